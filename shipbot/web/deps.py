"""FastAPI dependencies: the bot runtime, admin and metrics authentication."""

from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shipbot.bot.assembly import BotRuntime
from shipbot.web.draining import Drain

_bearer = HTTPBearer(auto_error=False)


# Dependencies are async: FastAPI runs plain functions in a thread pool, one hop per request.
async def get_runtime(request: Request) -> BotRuntime:
    return request.app.state.runtime


async def get_drain(request: Request) -> Drain:
    return request.app.state.drain


async def require_admin_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    runtime: BotRuntime = Depends(get_runtime),
) -> None:
    _require_bearer(credentials, runtime.settings.admin_api_token, "admin token required")


async def require_metrics_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    runtime: BotRuntime = Depends(get_runtime),
) -> None:
    """Only when METRICS_TOKEN is set: unset, /metrics is for a scraper on a private network."""
    expected = runtime.settings.metrics_token
    if expected is not None:
        _require_bearer(credentials, expected, "metrics token required")


def _require_bearer(
    credentials: HTTPAuthorizationCredentials | None, expected: str | None, detail: str
) -> None:
    given = credentials.credentials if credentials else ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
        )
