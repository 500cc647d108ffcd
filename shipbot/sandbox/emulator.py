"""An in-memory Telegram Bot API server for one bot, with test users and webhook delivery.

Used by `shipbot sandbox` (mounted next to the bot), by integration tests (as its own
process, `python -m shipbot.sandbox`) and by benchmarks (imported and driven in-process).
"""

import asyncio
import contextlib
import inspect
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from shipbot.domain.telegram_html import command_entities
from shipbot.sandbox import methods
from shipbot.sandbox.changes import ChangeFeed
from shipbot.sandbox.delivery import LOG_LIMIT, DeliveryEngine
from shipbot.sandbox.errors import BotApiError, too_many_requests
from shipbot.sandbox.limits import SENDING_METHODS, FloodLimits
from shipbot.sandbox.params import Params
from shipbot.sandbox.store import ChatState, Store, StoredFile

logger = logging.getLogger("shipbot.sandbox")

T = TypeVar("T")

# A token of Telegram's format that no real bot has.
SANDBOX_TOKEN = "123456789:AA-sandbox-token-for-local-use-only"
_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")


class ErrorPage(BotApiError):
    """What a proxy in front of the Bot API answers when it fails: an HTML page, not JSON."""

    def __init__(self, method: str) -> None:
        super().__init__(502, f"Bad Gateway: {method} answered with an HTML error page")


class BotApiEmulator:
    """Bot identity, test users, chats, files, the update queue and the logs of one sandbox.

    Pure asyncio and single-threaded: mutate it only from the event loop that started it.
    """

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        api_delay_ms: float = 0,
        delivery_timeout_s: float = 10.0,
        retry_backoff_s: float = 0.5,
        first_update_id: int | None = None,
        first_user_id: int | None = None,
        global_per_second: int | None = None,
        chat_per_second: int | None = None,
    ) -> None:
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError("the bot token must look like '<bot id>:<secret>'")
        self.token = token
        self.api_delay_ms = api_delay_ms
        # Methods that take effect but whose answer is held back (a connection lost after
        # Telegram acted), lower-cased as Telegram reads method names; released when cleared.
        self.held_answers: set[str] = set()
        self._answers_released = asyncio.Event()
        # Methods answered by a failing proxy's HTML page (lower-cased), without taking effect.
        self.html_error_methods: set[str] = set()
        self.limits = FloodLimits(global_per_second, chat_per_second)
        # Ids start from the clock so that a restarted sandbox does not reuse update or user ids
        # that the bot's database (which survives restarts) has seen, unless the previous run
        # issued more than one per second.
        now = int(time.time())
        self._next_update_id = first_update_id if first_update_id is not None else now
        self.feed = ChangeFeed()
        self.store = Store(
            int(match.group(1)),
            self.feed,
            first_user_id if first_user_id is not None else 7_000_000_000 + now,
        )
        self.delivery = DeliveryEngine(
            self.feed,
            timeout_s=delivery_timeout_s,
            backoff_s=retry_backoff_s,
            on_reply=self._run_webhook_reply,
        )
        self._calls: deque[dict] = deque(maxlen=LOG_LIMIT)

    async def start(self) -> None:
        await self.delivery.start()
        logger.info("sandbox Bot API ready for @%s", self.store.bot_user["username"])

    async def close(self) -> None:
        await self.delivery.close()

    @property
    def bot_user(self) -> dict:
        return self.store.bot_user

    # -- test users and what they do ----------------------------------------------------------

    def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> dict:
        if not first_name.strip():
            raise ValueError("first_name must not be empty")
        user = self.store.add_user(first_name, last_name, username, language_code)
        logger.info("test user %s (%s) created", user["id"], first_name)
        return user

    def users(self) -> list[dict]:
        return [chat.user for chat in self.store.chats.values()]

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends `text` to the bot; returns the update_id of the `message` update."""
        if not text.strip():
            raise ValueError("text must not be empty")
        chat = self._chat(user_id)
        chat.blocked_bot = False  # writing to a bot one blocked unblocks it, as in Telegram
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        record = self.store.add_message(
            chat, from_bot=False, text=text, entities=command_entities(text)
        )
        message = chat.telegram_message(record, self.bot_user)
        return self._enqueue_new({"message": message})

    def press(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user taps an inline button; returns the update_id of the `callback_query` update.

        Any callback_data is accepted, so tests can also press buttons a message no longer has.
        """
        chat = self._chat(user_id)
        record = self.store.message(chat, message_id)
        if record is None or not record.from_bot:
            raise LookupError(f"chat {user_id} has no bot message {message_id}")
        query = self.store.new_callback_query(chat, message_id, callback_data)
        callback_query = {
            "id": query.query_id,
            "from": chat.user,
            "message": chat.telegram_message(record, self.bot_user),
            "chat_instance": str((chat.id * 2654435761 + self.bot_user["id"]) % 10**19),
            "data": callback_data,
        }
        return self._enqueue_new({"callback_query": callback_query})

    def inject(self, update: dict, copies: int = 1, concurrent: bool = False) -> None:
        """Enqueue a raw update as-is, `copies` times.

        With concurrent=True the copies are POSTed at the same moment (Telegram's concurrent
        redelivery); otherwise they are delivered one after another like separate updates.
        """
        if not isinstance(update, dict):
            raise ValueError("an update must be a JSON object")
        if copies < 1:
            raise ValueError("copies must be at least 1")
        update_id = update.get("update_id")
        if isinstance(update_id, int):
            self._next_update_id = max(self._next_update_id, update_id + 1)
        if concurrent:
            self.delivery.enqueue(update, copies=copies)
        else:
            for _ in range(copies):
                self.delivery.enqueue(update)

    def set_blocked_bot(self, user_id: int, blocked: bool) -> dict:
        """The user blocks (or unblocks) the bot: the bot's calls about their chat get 403."""
        chat = self._chat(user_id)
        chat.blocked_bot = blocked
        self.store.touch(chat)
        return {**chat.user, "blocked_bot": blocked}

    def _enqueue_new(self, payload: dict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self.delivery.enqueue({"update_id": update_id, **payload})
        return update_id

    def _chat(self, user_id: int) -> ChatState:
        chat = self.store.chats.get(user_id)
        if chat is None:
            raise LookupError(f"no test user {user_id}")
        return chat

    # -- what happened ------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[dict]:
        """Every message of the chat, both directions, deleted ones flagged, in order."""
        return [record.view() for record in self._chat(chat_id).messages.values()]

    def transcript(self, chat_id: int) -> dict:
        """What the live page shows: messages, reply keyboard and callback answers, versioned."""
        chat = self._chat(chat_id)
        return {
            "version": chat.version,
            "user": chat.user,
            "messages": self.messages(chat_id),
            "reply_keyboard": chat.reply_keyboard,
            "callback_answers": self.callback_answers(chat_id),
        }

    async def wait_transcript(self, chat_id: int, after: int, timeout: float) -> dict:
        """The transcript once its version is above `after`, or as it is when `timeout` passes."""
        with contextlib.suppress(TimeoutError):
            await self.feed.wait_until(lambda: self._chat(chat_id).version > after, timeout)
        return self.transcript(chat_id)

    def calls(self, method: str | None = None) -> list[dict]:
        """Bot API calls: method, params, time, and whether they failed."""
        if method is None:
            return list(self._calls)
        return [call for call in self._calls if call["method"].lower() == method.lower()]

    def deliveries(self) -> list[dict]:
        """Webhook POST attempts: update_id, chat_id, url, status or error, latency, attempt."""
        return list(self.delivery.attempts)

    def callback_answers(self, chat_id: int | None = None) -> list[dict]:
        answers = self.store.callback_answers
        return [a for a in answers if chat_id is None or a["chat_id"] == chat_id]

    def webhook_info(self) -> dict:
        return self.delivery.webhook_info()

    def file(self, file_id: str) -> StoredFile | None:
        return self.store.files.get(file_id)

    async def wait_for(self, predicate: Callable[[], T], timeout: float) -> T:
        """Wait until `predicate()` is truthy (re-checked after every change); return its value."""
        return await self.feed.wait_until(predicate, timeout)

    async def wait_idle(self, timeout: float) -> None:
        """Wait until no update is queued or being delivered; TimeoutError otherwise."""
        await self.feed.wait_until(self.delivery.is_idle, timeout)

    # -- control ------------------------------------------------------------------------------

    def set_targets(self, urls: list[str]) -> None:
        """Deliver round-robin across `urls` (per chat) instead of the webhook URL; [] undoes it."""
        self.delivery.set_targets(urls)

    def configure(
        self,
        api_delay_ms: float | None = None,
        delivery_timeout_s: float | None = None,
        retry_backoff_s: float | None = None,
        held_answers: list[str] | None = None,
        html_error_methods: list[str] | None = None,
        global_per_second: int | None = None,
        chat_per_second: int | None = None,
        unlimited: bool = False,
    ) -> dict:
        """Change the given settings; `unlimited` turns both flood limits off."""
        if unlimited:
            self.limits.global_per_second = self.limits.chat_per_second = None
        if global_per_second is not None:
            self.limits.global_per_second = global_per_second
        if chat_per_second is not None:
            self.limits.chat_per_second = chat_per_second
        if api_delay_ms is not None:
            self.api_delay_ms = api_delay_ms
        if held_answers is not None:
            self.held_answers = {method.lower() for method in held_answers}
            self._answers_released.set()
            self._answers_released = asyncio.Event()
        if html_error_methods is not None:
            self.html_error_methods = {method.lower() for method in html_error_methods}
        if delivery_timeout_s is not None:
            self.delivery.timeout_s = delivery_timeout_s
        if retry_backoff_s is not None:
            self.delivery.backoff_s = retry_backoff_s
        return self.settings()

    def settings(self) -> dict:
        return {
            "api_delay_ms": self.api_delay_ms,
            "delivery_timeout_s": self.delivery.timeout_s,
            "retry_backoff_s": self.delivery.backoff_s,
            "held_answers": sorted(self.held_answers),
            "html_error_methods": sorted(self.html_error_methods),
            **self.limits.settings(),
        }

    def reset(self) -> None:
        """Forget users, messages, logs and queued updates; keep webhook, targets and settings."""
        self.delivery.drop_pending()
        self.delivery.attempts.clear()
        self._calls.clear()
        self.limits.reset_counts()
        self.store.clear()
        logger.info("sandbox reset")

    # -- the Bot API --------------------------------------------------------------------------

    async def call(self, method: str, params: Params) -> Any:
        """Run a Bot API method; raises BotApiError with Telegram's code and description."""
        if self.api_delay_ms:
            await asyncio.sleep(self.api_delay_ms / 1000)
        result = await self._execute(method, params)
        if method.lower() in self.held_answers:
            await self._answers_released.wait()
        return result

    async def _execute(self, method: str, params: Params) -> Any:
        found = methods.find_method(method)
        entry = {
            "method": found[0] if found else method,
            "params": params.loggable(),
            "at": time.time(),
        }
        self._calls.append(entry)
        try:
            if found is None:
                raise BotApiError(404, "Not Found: method not found")
            if method.lower() in self.html_error_methods:
                raise ErrorPage(found[0])
            self._count_send(method, params)
            result = found[1](self, params)
            if inspect.isawaitable(result):
                result = await result
        except BotApiError as exc:
            entry["error"] = exc.description
            logger.info("%s failed: %s", entry["method"], exc.description)
            raise
        finally:
            self.feed.bump()
        entry["error"] = None
        logger.debug("%s ok", entry["method"])
        return result

    def _count_send(self, method: str, params: Params) -> None:
        if method.lower() not in SENDING_METHODS:
            return
        try:
            chat_id = params.chat_id()
        except BotApiError:
            return  # the method itself refuses it
        retry_after = self.limits.check(chat_id)
        if retry_after is not None:
            raise too_many_requests(retry_after)

    async def _run_webhook_reply(self, payload: dict) -> None:
        """A method the webhook answered with; Telegram runs it and reports errors to no one."""
        values = {key: value for key, value in payload.items() if key != "method"}
        try:
            await self._execute(payload["method"], Params(values))
        except BotApiError:
            pass
        except Exception:
            logger.exception("running the webhook reply %s failed", payload["method"])
