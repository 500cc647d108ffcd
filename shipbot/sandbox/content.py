"""Message content in Bot API parameters: formatted text, keyboards, allowed update types."""

import re
from typing import Any

from shipbot.domain.telegram_html import EntityParseError, parse_html, strip_text, utf16_len
from shipbot.sandbox.errors import bad_request
from shipbot.sandbox.params import Params

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_URL = re.compile(r"(https?|tg)://\S+")


def formatted_text(p: Params, text_key: str, entities_key: str) -> tuple[str, list[dict]]:
    raw = p.string(text_key) or ""
    entities = p.json_value(entities_key, "can't parse entities JSON object")
    mode = (p.string("parse_mode") or "").lower()
    if entities is not None:
        if not isinstance(entities, list) or not all(_is_entity(entity) for entity in entities):
            raise bad_request("can't parse entities JSON object")
        text = raw
    elif mode == "html":
        try:
            text, entities = parse_html(raw)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is passed through unparsed; the sandbox only interprets HTML.
        text, entities = raw, []
    else:
        raise bad_request("unsupported parse_mode")
    return strip_text(text, entities)


def _is_entity(entity: Any) -> bool:
    return (
        isinstance(entity, dict)
        and isinstance(entity.get("type"), str)
        and isinstance(entity.get("offset"), int)
        and isinstance(entity.get("length"), int)
    )


def allowed_updates(p: Params) -> list[str] | None:
    reason = "can't parse allowed updates JSON object"
    allowed = p.json_value("allowed_updates", reason)
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)
    ):
        raise bad_request(reason)
    return allowed


def message_text(p: Params) -> tuple[str, list[dict]]:
    text, entities = formatted_text(p, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, entities


def reply_markup(p: Params, *, inline_only: bool = False) -> dict | None:
    reason = "can't parse reply keyboard markup JSON object"
    markup = p.json_value("reply_markup", reason)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request(reason)
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        # An empty inline keyboard is no keyboard at all.
        return markup if any(markup["inline_keyboard"]) else None
    if inline_only or not any(
        key in markup for key in ("keyboard", "remove_keyboard", "force_reply")
    ):
        raise bad_request(reason)
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    return markup


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for button in (button for row in rows for button in row):
        text = button.get("text") if isinstance(button, dict) else button
        if not isinstance(text, str) or not text:
            raise bad_request("can't parse keyboard button: Text must be a non-empty String")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if not any(action in button for action in _INLINE_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not (isinstance(url, str) and _BUTTON_URL.fullmatch(url)):
            raise bad_request("BUTTON_URL_INVALID")
