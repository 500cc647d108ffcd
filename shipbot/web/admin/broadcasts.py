"""Broadcasts in the admin API (SPEC §3.7, §4), for owners only: counting an audience, starting
a broadcast of a text with URL buttons, its progress and failures, and pausing, resuming or
cancelling it. The rules are in shipbot/domain/broadcast.py and shipbot/services/broadcasts.py;
the sending is the worker's (shipbot/services/broadcast_sender.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shipbot.domain.broadcast import Audience, BroadcastError, Button, Content
from shipbot.services import broadcasts
from shipbot.services.admin_accounts import Role
from shipbot.web.admin.actors import api_actor
from shipbot.web.admin.api import ERRORS, OWNER_ONLY, AdminApiError, require_api_role

api = APIRouter()
PATH = "/broadcasts"
OWNER_API = {
    "responses": {**ERRORS, **OWNER_ONLY},
    "dependencies": [Depends(require_api_role(Role.OWNER))],
}


class AudienceIn(BaseModel):
    kind: str
    days: int | None = None  # for "active": seen in the last days
    language: str | None = None  # for "language": such as en or ru


class ButtonIn(BaseModel):
    text: str
    url: str


class BroadcastIn(BaseModel):
    text: str  # Telegram HTML
    buttons: list[ButtonIn] = []
    audience: AudienceIn


class CountOut(BaseModel):
    count: int


def _audience(body: AudienceIn) -> Audience:
    try:
        return Audience.of(body.kind, body.days, body.language)
    except BroadcastError as error:
        raise AdminApiError(400, "invalid", str(error)) from None


@api.post(f"{PATH}/count", response_model=CountOut, **OWNER_API)
async def api_count(request: Request, body: AudienceIn) -> CountOut:
    database = request.app.state.runtime.database
    return CountOut(count=await broadcasts.recipient_count(database, _audience(body)))


@api.post(PATH, status_code=201, **OWNER_API)
async def api_start(request: Request, body: BroadcastIn) -> JSONResponse:
    database = request.app.state.runtime.database
    content = Content(body.text, tuple(Button(b.text, b.url) for b in body.buttons))
    try:
        broadcast = await broadcasts.start(
            database, api_actor(request), content, _audience(body.audience)
        )
    except BroadcastError as error:
        raise AdminApiError(400, "invalid", str(error)) from None
    _, progress = await _found(request, broadcast.id)
    return JSONResponse(progress.as_json(), status_code=201)


@api.get(PATH, **OWNER_API)
async def api_latest(request: Request) -> list[dict]:
    found = await broadcasts.latest(request.app.state.runtime.database)
    return [progress.as_json() for _, progress in found]


async def _found(request: Request, broadcast_id: int) -> tuple:
    found = await broadcasts.find(request.app.state.runtime.database, broadcast_id)
    if found is None:
        raise AdminApiError(404, "not_found", "no such broadcast")
    return found


@api.get(f"{PATH}/{{broadcast_id}}", **OWNER_API)
async def api_broadcast(request: Request, broadcast_id: int) -> dict:
    _, progress = await _found(request, broadcast_id)
    failed = await broadcasts.failures(request.app.state.runtime.database, broadcast_id)
    report = [{"user_id": user, "state": state, "error": error} for user, state, error in failed]
    return progress.as_json() | {"failures": report}


@api.post(f"{PATH}/{{broadcast_id}}/{{action}}", **OWNER_API)
async def api_control(
    request: Request, broadcast_id: int, action: Literal["pause", "resume", "cancel"]
) -> dict:
    await _found(request, broadcast_id)
    try:
        await broadcasts.control(
            request.app.state.runtime.database, api_actor(request), broadcast_id, action
        )
    except BroadcastError as error:
        raise AdminApiError(409, "conflict", str(error)) from None
    _, progress = await _found(request, broadcast_id)
    return progress.as_json()
