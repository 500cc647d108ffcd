"""FastAPI dependencies: the bot runtime and admin authentication."""

from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shipbot.bot.assembly import BotRuntime

_bearer = HTTPBearer(auto_error=False)


# Dependencies are async: FastAPI runs plain functions in a thread pool, one hop per request.
async def get_runtime(request: Request) -> BotRuntime:
    return request.app.state.runtime


async def require_admin_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    runtime: BotRuntime = Depends(get_runtime),
) -> None:
    expected = runtime.settings.admin_api_token
    given = credentials.credentials if credentials else ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "admin token required",
            headers={"WWW-Authenticate": "Bearer"},
        )
