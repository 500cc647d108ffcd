"""The operator's admin panel at /admin and its JSON API at /api/admin (SPEC §4)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from shipbot.web.admin import api, pages, routes
from shipbot.web.admin.auth import LOGIN_PATH, LoginRequired, PanelRefusal
from shipbot.web.admin.rendering import STATIC_DIR, render

STATIC_PATH = "/admin/static"


def include_admin(app: FastAPI) -> None:
    """Mount the pages, their static files and the API, with the error pages they answer."""
    app.include_router(pages.login_router)
    app.include_router(routes.panel_router)
    app.include_router(routes.api_router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="admin-static")
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PanelRefusal, _refusal_page)
    app.add_exception_handler(api.AdminApiError, _api_error)
    # The panel and the API answer in their own shape; every other path keeps FastAPI's.
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)


def _area(request: Request) -> str | None:
    path = request.url.path
    if path == api.PREFIX or path.startswith(f"{api.PREFIX}/"):
        return "api"
    if path == pages.HOME_PATH or path.startswith(f"{pages.HOME_PATH}/"):
        return "panel"
    return None


async def _to_login(request: Request, _error: LoginRequired) -> Response:
    return RedirectResponse(LOGIN_PATH, status_code=303)


async def _refusal_page(request: Request, error: PanelRefusal) -> Response:
    return render(request, "error.html", error.status_code, message=error.message)


async def _api_error(request: Request, error: api.AdminApiError) -> Response:
    return api.error_response(error.status_code, error.code, error.message, error.headers)


async def _http_error(request: Request, error: HTTPException) -> Response:
    area = _area(request)
    if area == "api":
        code = "not_found" if error.status_code == 404 else f"http_{error.status_code}"
        return api.error_response(error.status_code, code, str(error.detail), error.headers)
    if area == "panel":
        return render(request, "error.html", error.status_code, message=str(error.detail))
    return await http_exception_handler(request, error)


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    area = _area(request)
    if area is None:
        return await request_validation_exception_handler(request, error)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
        for problem in error.errors()
    )
    if area == "api":
        return api.error_response(422, "invalid_request", problems)
    return render(request, "error.html", 400, message=f"Some values are not valid: {problems}.")
