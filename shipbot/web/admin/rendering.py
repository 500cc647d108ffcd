"""The panel's Jinja2 templates, rendered with autoescaping and never cached: pages show
customers' data and the session's CSRF token."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from shipbot.domain.money import format_usd

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.filters["usd"] = format_usd  # {{ cents | usd }}: money is never a float here
STATIC_DIR = Path(__file__).with_name("static")


def render(
    request: Request, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
