"""Bot API HTTP routes: /sandbox/botapi/bot{token}/{method}, answering in Telegram's envelope."""

import json
import secrets
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import UploadFile

from shipbot.sandbox.emulator import BotApiEmulator, ErrorPage
from shipbot.sandbox.errors import BotApiError, bad_request
from shipbot.sandbox.params import Params, Upload

_ERROR_PAGE = (
    "<!doctype html><html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


def error_response(code: int, description: str, parameters: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


async def read_params(request: Request) -> Params:
    """Query parameters plus a JSON, urlencoded or multipart body (aiogram sends forms)."""
    values: dict[str, Any] = dict(request.query_params)
    uploads: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(data, dict):
                raise bad_request("JSON body must be an object")
            values.update(data)
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form() as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    uploads[name] = Upload(
                        filename=value.filename or name,
                        content_type=value.content_type or "",
                        data=await value.read(),
                    )
                else:
                    values[name] = value
    return Params(values, uploads)


def botapi_router(emulator: BotApiEmulator) -> APIRouter:
    router = APIRouter(prefix="/sandbox/botapi", include_in_schema=False)

    def authorised(token: str) -> bool:
        return secrets.compare_digest(token.encode(), emulator.token.encode())

    @router.api_route("/bot{token}/{method}", methods=["GET", "POST"])
    async def call_method(token: str, method: str, request: Request) -> Response:
        if not authorised(token):
            return error_response(401, "Unauthorized")
        try:
            result = await emulator.call(method, await read_params(request))
        except ErrorPage as exc:
            return HTMLResponse(_ERROR_PAGE, status_code=exc.code)
        except BotApiError as exc:
            return error_response(exc.code, exc.description, exc.parameters)
        return JSONResponse({"ok": True, "result": result})

    @router.get("/file/bot{token}/{file_path:path}")
    async def download_file(token: str, file_path: str) -> Response:
        if not authorised(token):
            return error_response(401, "Unauthorized")
        stored = emulator.store.file_by_path(file_path)
        if stored is None:
            return error_response(404, "Not Found")
        return Response(stored.data, media_type=stored.mime_type)

    return router
