"""The Bot API methods the sandbox implements, with Telegram's results and error texts."""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shipbot.domain.telegram_html import utf16_len
from shipbot.sandbox.content import (
    MAX_CAPTION_LENGTH,
    allowed_updates,
    formatted_text,
    message_text,
    reply_markup,
)
from shipbot.sandbox.delivery import DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_LIMIT
from shipbot.sandbox.errors import BotApiError, bad_request
from shipbot.sandbox.params import Params, Upload
from shipbot.sandbox.store import ChatState, MessageRecord, StoredFile

if TYPE_CHECKING:
    from shipbot.sandbox.emulator import BotApiEmulator

Method = Callable[["BotApiEmulator", Params], Any]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")

_METHODS: dict[str, tuple[str, Method]] = {}


def bot_method(name: str) -> Callable[[Method], Method]:
    def register(function: Method) -> Method:
        _METHODS[name.lower()] = (name, function)
        return function

    return register


def find_method(name: str) -> tuple[str, Method] | None:
    """Look a method up by name; Telegram's method names are case-insensitive."""
    return _METHODS.get(name.lower())


def _own_message(emu: BotApiEmulator, p: Params, not_found: str) -> tuple[ChatState, MessageRecord]:
    chat = emu.store.chat(p.chat_id())
    message_id = p.integer("message_id")
    record = emu.store.message(chat, message_id) if message_id is not None else None
    if record is None:
        raise bad_request(not_found)
    return chat, record


def _editable(emu: BotApiEmulator, p: Params) -> tuple[ChatState, MessageRecord]:
    if p.string("inline_message_id"):
        raise bad_request("inline messages are not supported by the sandbox")
    chat, record = _own_message(emu, p, "message to edit not found")
    if not record.from_bot:
        raise bad_request("message can't be edited")
    return chat, record


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.json_value("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.string("language_code") or ""


# -- identity and webhook -----------------------------------------------------------------------


@bot_method("getMe")
def get_me(emu: BotApiEmulator, p: Params) -> dict:
    return {
        **emu.store.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@bot_method("setWebhook")
def set_webhook(emu: BotApiEmulator, p: Params) -> bool:
    url = p.string("url") or ""
    drop = p.flag("drop_pending_updates")
    if not url:
        emu.delivery.delete_webhook(drop)
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.string("secret_token") or None
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.integer("max_connections") or DEFAULT_MAX_CONNECTIONS
    allowed = allowed_updates(p)
    emu.delivery.set_webhook(
        url,
        secret_token=secret,
        max_connections=min(max(max_connections, 1), MAX_CONNECTIONS_LIMIT),
        allowed_updates=allowed,
        drop_pending_updates=drop,
    )
    return True


@bot_method("deleteWebhook")
def delete_webhook(emu: BotApiEmulator, p: Params) -> bool:
    emu.delivery.delete_webhook(p.flag("drop_pending_updates"))
    return True


@bot_method("getWebhookInfo")
def get_webhook_info(emu: BotApiEmulator, p: Params) -> dict:
    return emu.delivery.webhook_info()


@bot_method("getUpdates")
async def get_updates(emu: BotApiEmulator, p: Params) -> list[dict]:
    if emu.delivery.webhook.url:
        raise BotApiError(409, WEBHOOK_CONFLICT)
    offset = p.integer("offset")
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = max(p.integer("timeout") or 0, 0)
    allowed = allowed_updates(p)
    if allowed is not None:
        emu.delivery.webhook.allowed_updates = allowed
    if offset:
        emu.delivery.confirm(offset)
    if timeout:
        with contextlib.suppress(TimeoutError):
            await emu.feed.wait_until(lambda: emu.delivery.poll(limit), timeout)
    return emu.delivery.poll(limit)


# -- commands -----------------------------------------------------------------------------------


@bot_method("setMyCommands")
def set_my_commands(emu: BotApiEmulator, p: Params) -> bool:
    commands = p.json_value("commands", "can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    emu.store.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@bot_method("getMyCommands")
def get_my_commands(emu: BotApiEmulator, p: Params) -> list[dict]:
    return emu.store.commands.get(_commands_key(p), [])


@bot_method("deleteMyCommands")
def delete_my_commands(emu: BotApiEmulator, p: Params) -> bool:
    emu.store.commands.pop(_commands_key(p), None)
    return True


# -- messages -----------------------------------------------------------------------------------


@bot_method("sendMessage")
def send_message(emu: BotApiEmulator, p: Params) -> dict:
    chat = emu.store.chat(p.chat_id())
    text, entities = message_text(p)
    record = emu.store.add_message(
        chat,
        from_bot=True,
        text=text,
        entities=entities,
        parse_mode=p.string("parse_mode"),
        reply_markup=reply_markup(p),
    )
    return chat.telegram_message(record, emu.store.bot_user)


@bot_method("editMessageText")
def editmessage_text(emu: BotApiEmulator, p: Params) -> dict:
    chat, record = _editable(emu, p)
    if record.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(p)
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    markup = reply_markup(p, inline_only=True)
    if (text, entities, markup) == (record.text, record.entities, record.inline_markup):
        raise bad_request(NOT_MODIFIED)
    emu.store.edit_message(
        chat,
        record,
        text=text,
        entities=entities,
        parse_mode=p.string("parse_mode"),
        reply_markup=markup,
    )
    return chat.telegram_message(record, emu.store.bot_user)


@bot_method("editMessageReplyMarkup")
def edit_messagereply_markup(emu: BotApiEmulator, p: Params) -> dict:
    chat, record = _editable(emu, p)
    markup = reply_markup(p, inline_only=True)
    if markup == record.inline_markup:
        raise bad_request(NOT_MODIFIED)
    emu.store.edit_message(chat, record, reply_markup=markup)
    return chat.telegram_message(record, emu.store.bot_user)


@bot_method("deleteMessage")
def delete_message(emu: BotApiEmulator, p: Params) -> bool:
    chat, record = _own_message(emu, p, "message to delete not found")
    record.deleted = True
    emu.store.touch(chat)
    return True


@bot_method("answerCallbackQuery")
def answer_callback_query(emu: BotApiEmulator, p: Params) -> bool:
    query = emu.store.callback_queries.get(p.string("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    emu.store.record_answer(
        query,
        {"text": p.string("text"), "show_alert": p.flag("show_alert"), "url": p.string("url")},
    )
    return True


@bot_method("sendChatAction")
def send_chat_action(emu: BotApiEmulator, p: Params) -> bool:
    emu.store.chat(p.chat_id())
    if not p.string("action"):
        raise bad_request("wrong parameter action in request")
    return True


# -- documents ----------------------------------------------------------------------------------


def _input_file(emu: BotApiEmulator, p: Params, name: str, folder: str) -> StoredFile:
    """The file a send carries: a new upload, or the file_id of one sent before."""
    given = p.input_file(name)
    if isinstance(given, Upload):
        if not given.data:
            raise bad_request("file must be non-empty")
        file_name = given.filename or name
        mime_type = (
            mimetypes.guess_type(file_name)[0] or given.content_type or "application/octet-stream"
        )
        return emu.store.add_file(file_name, mime_type, given.data, folder)
    if given in emu.store.files:
        return emu.store.files[given]
    if given:
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {name} in the request")


def _send_file(emu: BotApiEmulator, p: Params, kind: str, folder: str) -> dict:
    chat = emu.store.chat(p.chat_id())
    stored = _input_file(emu, p, kind, folder)
    caption, caption_entities = formatted_text(p, "caption", "caption_entities")
    if utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    record = emu.store.add_message(
        chat,
        from_bot=True,
        caption=caption or None,
        caption_entities=caption_entities,
        parse_mode=p.string("parse_mode"),
        reply_markup=reply_markup(p),
        **{kind: stored},
    )
    return chat.telegram_message(record, emu.store.bot_user)


@bot_method("sendDocument")
def send_document(emu: BotApiEmulator, p: Params) -> dict:
    return _send_file(emu, p, "document", "documents")


@bot_method("sendPhoto")
def send_photo(emu: BotApiEmulator, p: Params) -> dict:
    return _send_file(emu, p, "photo", "photos")


@bot_method("getFile")
def get_file(emu: BotApiEmulator, p: Params) -> dict:
    stored = emu.store.files.get(p.string("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file()
