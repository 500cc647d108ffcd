"""Who an action is audited as: the logged-in admin on the panel, the API token on the API."""

from __future__ import annotations

from fastapi import Request

from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.web.admin.auth import client_address

API_USERNAME = "api"


def panel_actor(request: Request, identity: AdminIdentity) -> Actor:
    return identity.actor(client_address(request))


def api_actor(request: Request) -> Actor:
    # ADMIN_API_TOKEN belongs to no account: the audit log names it "api".
    return Actor(account_id=None, username=API_USERNAME, client_address=client_address(request))
