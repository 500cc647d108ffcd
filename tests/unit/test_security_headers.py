"""SecurityHeaders: nosniff on every response, the HTML set on pages, streaming untouched."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from shipbot.web.security_headers import CONTENT_SECURITY_POLICY, SecurityHeaders

HTML_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


async def page(request):
    return HTMLResponse("<p>hi</p>")


async def framed_page(request):
    return HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src 'self'"})


async def data(request):
    return JSONResponse({"ok": True})


async def get(path: str) -> httpx.Response:
    app = Starlette(
        routes=[Route("/page", page), Route("/own-policy", framed_page), Route("/data", data)]
    )
    app.add_middleware(SecurityHeaders)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        return await client.get(path)


async def test_html_pages_get_the_policy_and_every_response_nosniff():
    html = await get("/page")
    assert {name: html.headers.get(name) for name in HTML_HEADERS} == HTML_HEADERS
    assert html.headers["x-content-type-options"] == "nosniff"

    json = await get("/data")
    assert json.headers["x-content-type-options"] == "nosniff"
    assert not set(HTML_HEADERS) & set(json.headers)

    missing = await get("/nowhere")
    assert missing.status_code == 404 and missing.headers["x-content-type-options"] == "nosniff"


async def test_a_page_keeps_a_policy_it_sets_itself():
    response = await get("/own-policy")
    assert response.headers.get_list("content-security-policy") == ["default-src 'self'"]
    assert response.headers["x-frame-options"] == "DENY"


async def test_a_streamed_body_is_passed_on_chunk_by_chunk():
    first_chunk_sent = asyncio.Event()
    sent: list[dict] = []

    async def streaming_app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"1", "more_body": True})
        await asyncio.wait_for(first_chunk_sent.wait(), timeout=5)
        await send({"type": "http.response.body", "body": b"2"})

    async def send(message):
        sent.append(message)
        if message.get("body") == b"1":
            first_chunk_sent.set()

    await SecurityHeaders(streaming_app)({"type": "http"}, None, send)

    assert [message.get("body") for message in sent] == [None, b"1", b"2"]
    assert (b"x-content-type-options", b"nosniff") in sent[0]["headers"]
