"""The sandbox's users, private chats, messages and files, rendered as Telegram objects."""

import itertools
import secrets
import time
from dataclasses import dataclass, field
from pathlib import PurePath

from shipbot.sandbox.changes import ChangeFeed
from shipbot.sandbox.errors import BLOCKED_BY_USER, BotApiError, bad_request

BOT_USERNAME = "shipbot_sandbox_bot"
BOT_FIRST_NAME = "shipbot (sandbox)"


@dataclass(eq=False)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str

    def document(self) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def photo_size(self) -> dict:
        # The sandbox keeps the upload as it came and does not decode it, so no dimensions.
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": 0,
            "height": 0,
            "file_size": len(self.data),
        }

    def file(self) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass(eq=False)
class MessageRecord:
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def inline_markup(self) -> dict | None:
        """Telegram's Message only carries inline keyboards; reply keyboards live on the chat."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    def view(self) -> dict:
        """The transcript entry the control API and the web page show."""
        document = None
        if self.document:
            document = {
                **self.document.document(),
                "url": f"/sandbox/api/files/{self.document.file_id}",
            }
        photo = None
        if self.photo:
            photo = {**self.photo.document(), "url": f"/sandbox/api/files/{self.photo.file_id}"}
        return {
            "message_id": self.message_id,
            "direction": "bot" if self.from_bot else "user",
            "date": self.date,
            "text": self.text,
            "entities": self.entities,
            "parse_mode": self.parse_mode,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
            "document": document,
            "photo": photo,
            "edit_count": self.edit_count,
            "edit_date": self.edit_date,
            "deleted": self.deleted,
        }


@dataclass(eq=False)
class ChatState:
    """A private chat between the bot and one test user; its id is the user's id."""

    user: dict
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0
    reply_keyboard: dict | None = None
    # The user blocked the bot: every Bot API call about this chat answers 403.
    blocked_bot: bool = False

    @property
    def id(self) -> int:
        return self.user["id"]

    def chat_object(self) -> dict:
        chat = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if self.user.get(key):
                chat[key] = self.user[key]
        return chat

    def telegram_message(self, record: MessageRecord, bot_user: dict) -> dict:
        message = {
            "message_id": record.message_id,
            "from": bot_user if record.from_bot else self.user,
            "chat": self.chat_object(),
            "date": record.date,
        }
        if record.edit_date is not None:
            message["edit_date"] = record.edit_date
        if record.text is not None:
            message["text"] = record.text
            if record.entities:
                message["entities"] = record.entities
        if record.photo:
            message["photo"] = [record.photo.photo_size()]
        if record.document:
            message["document"] = record.document.document()
        if (record.document or record.photo) and record.caption:
            message["caption"] = record.caption
            if record.caption_entities:
                message["caption_entities"] = record.caption_entities
        if record.inline_markup:
            message["reply_markup"] = record.inline_markup
        return message


@dataclass(eq=False)
class CallbackQuery:
    query_id: str
    chat_id: int
    user_id: int
    message_id: int
    data: str
    answered: bool = False


class Store:
    def __init__(self, bot_id: int, feed: ChangeFeed, first_user_id: int) -> None:
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }
        self.feed = feed
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.callback_answers: list[dict] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self._user_ids = itertools.count(first_user_id)
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)

    def add_user(
        self, first_name: str, last_name: str | None, username: str | None, language_code: str
    ) -> dict:
        user = {"id": next(self._user_ids), "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        user["language_code"] = language_code
        chat = ChatState(user=user)
        self.chats[chat.id] = chat
        self.touch(chat)
        return user

    def chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked_bot:
            raise BotApiError(403, BLOCKED_BY_USER)
        return chat

    def message(self, chat: ChatState, message_id: int) -> MessageRecord | None:
        record = chat.messages.get(message_id)
        return None if record is None or record.deleted else record

    def add_message(self, chat: ChatState, *, from_bot: bool, **fields) -> MessageRecord:
        record = MessageRecord(
            message_id=chat.next_message_id, from_bot=from_bot, date=int(time.time()), **fields
        )
        chat.next_message_id += 1
        chat.messages[record.message_id] = record
        if from_bot and record.reply_markup:
            if "keyboard" in record.reply_markup:
                chat.reply_keyboard = record.reply_markup
            elif record.reply_markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self.touch(chat)
        return record

    def edit_message(self, chat: ChatState, record: MessageRecord, **changes) -> None:
        for name, value in changes.items():
            setattr(record, name, value)
        record.edit_count += 1
        record.edit_date = int(time.time())
        self.touch(chat)

    def add_file(
        self, file_name: str, mime_type: str, data: bytes, folder: str = "documents"
    ) -> StoredFile:
        number = next(self._file_numbers)
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(9)}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            file_path=f"{folder}/file_{number}{PurePath(file_name).suffix}",
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    def new_callback_query(self, chat: ChatState, message_id: int, data: str) -> CallbackQuery:
        query = CallbackQuery(
            query_id=f"{self.bot_user['id']}{next(self._query_numbers):012d}",
            chat_id=chat.id,
            user_id=chat.id,
            message_id=message_id,
            data=data,
        )
        self.callback_queries[query.query_id] = query
        return query

    def record_answer(self, query: CallbackQuery, answer: dict) -> None:
        query.answered = True
        self.callback_answers.append(
            {
                "callback_query_id": query.query_id,
                "chat_id": query.chat_id,
                "message_id": query.message_id,
                "data": query.data,
                **answer,
                "at": time.time(),
            }
        )
        self.touch(self.chats[query.chat_id])

    def touch(self, chat: ChatState) -> None:
        chat.version = self.feed.bump()

    def clear(self) -> None:
        """Forget users, chats, files and queries; ids keep increasing so nothing is reused."""
        self.chats.clear()
        self.files.clear()
        self.callback_queries.clear()
        self.callback_answers.clear()
        self.feed.bump()
