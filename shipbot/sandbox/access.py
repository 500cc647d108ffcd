"""The sandbox's door when it listens beyond loopback: its pages and control API ask for
SANDBOX_ACCESS_TOKEN, since they show every test user's chat and let anyone act as them.

The link printed at start-up carries the token once (`?access_token=`); it is then kept in an
HttpOnly cookie. The emulated Bot API is left to its own check, the bot token in its URL,
which is random whenever the sandbox is exposed.
"""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "sandbox_access"
QUERY = "access_token"
_OPEN_PREFIX = "/sandbox/botapi/"
_REFUSAL = (
    "<!doctype html><title>Sandbox access</title>"
    "<p>This sandbox asks for its access token: open the link it printed when it started.</p>"
)


def _guarded(path: str) -> bool:
    return (path == "/sandbox" or path.startswith("/sandbox/")) and not path.startswith(
        _OPEN_PREFIX
    )


class SandboxAccess:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not _guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if self._matches(connection.cookies.get(COOKIE)):
            await self.app(scope, receive, send)
            return
        if self._matches(connection.query_params.get(QUERY)):
            # Drop the token from the address bar (and from history and Referer headers).
            response = RedirectResponse(scope["path"], status_code=303)
            response.set_cookie(COOKIE, self.token.decode(), httponly=True, samesite="strict")
        else:
            response = HTMLResponse(_REFUSAL, status_code=401)
        await response(scope, receive, send)
