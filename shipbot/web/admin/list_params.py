"""What the panel's list pages read from their filter forms, and the links to their pages.

A blank date field arrives as `since=`: read as text, so a form left empty filters nothing
instead of failing validation."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from shipbot.services.admin_lists import Days
from shipbot.web.admin.auth import PanelRefusal


def day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PanelRefusal(400, f"{name} must be a date such as 2026-12-31.") from None


def days(since: str, until: str) -> Days:
    return Days(day(since, "From"), day(until, "To"))


def page_links(path: str, query: dict[str, str], next_cursor: str | None, cursor: str | None):
    """(older, newest): the next page's link and the first page's, None where there is none."""
    kept = {name: value for name, value in query.items() if value}
    older = f"{path}?{urlencode({**kept, 'cursor': next_cursor})}" if next_cursor else None
    newest = f"{path}?{urlencode(kept)}" if cursor else None
    return older, newest


def with_query(path: str, query: dict[str, str]) -> str:
    kept = {name: value for name, value in query.items() if value}
    return f"{path}?{urlencode(kept)}" if kept else path
