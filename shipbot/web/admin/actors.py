"""Who an action is audited as: the logged-in admin on the panel, the token's holder on the API."""

from __future__ import annotations

from fastapi import Request

from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.web.admin.api import api_identity
from shipbot.web.admin.auth import client_address


def panel_actor(request: Request, identity: AdminIdentity) -> Actor:
    return identity.actor(client_address(request))


def api_actor(request: Request) -> Actor:
    # A personal token acts as its admin; ADMIN_API_TOKEN as "api" (api.SHARED_TOKEN).
    return api_identity(request).actor(client_address(request))
