"""The update queue and webhook delivery, with Telegram's semantics.

Telegram holds a chat's next update until the webhook answered the previous one with 2xx,
redelivers the same update after a non-2xx answer, a connection error or a timeout, and runs
different chats in parallel up to the webhook's max_connections. The bot's correctness under
exactly these rules is what the sandbox exists to exercise.
"""

import asyncio
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from shipbot.sandbox.changes import ChangeFeed

logger = logging.getLogger("shipbot.sandbox")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS_LIMIT = 100
DEFAULT_MAX_CONNECTIONS = 40
MAX_BACKOFF_S = 5.0
# Telegram sends every update type except these unless allowed_updates names them.
NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Logs are kept for tests and inspection; the cap only keeps long benchmarks bounded.
LOG_LIMIT = 200_000


@dataclass
class WebhookConfig:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(eq=False)
class QueuedUpdate:
    seq: int
    update: dict
    body: bytes  # serialised once, so every redelivery sends identical bytes
    key: int
    kind: str
    copies: int = 1
    dropped: bool = False

    @property
    def update_id(self) -> int | None:
        return self.update.get("update_id")


def update_kind(update: dict) -> str:
    return next((key for key in update if key != "update_id"), "")


def update_key(update: dict) -> int:
    """The chat an update belongs to, or its user's id when it has no chat."""
    payload = update.get(update_kind(update))
    if not isinstance(payload, dict):
        return 0
    for holder in (payload, payload.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            return holder["chat"].get("id", 0)
    sender = payload.get("from") or payload.get("user")
    return sender.get("id", 0) if isinstance(sender, dict) else 0


class ConnectionSlots:
    """Caps concurrent webhook requests; the cap may change while requests are in flight."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._freed = asyncio.Event()

    def set_limit(self, limit: int) -> None:
        self.limit = limit
        self._wake()

    async def __aenter__(self) -> None:
        while self.in_use >= self.limit:
            await self._freed.wait()
        self.in_use += 1

    async def __aexit__(self, *exc_info: object) -> None:
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        self._freed.set()
        self._freed = asyncio.Event()


class DeliveryEngine:
    def __init__(
        self,
        feed: ChangeFeed,
        *,
        timeout_s: float,
        backoff_s: float,
        on_reply: Callable[[dict], Awaitable[None]],
    ) -> None:
        self.feed = feed
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.webhook = WebhookConfig()
        self.targets: list[str] = []
        self.attempts: deque[dict] = deque(maxlen=LOG_LIMIT)
        # Benchmarks await individual deliveries here instead of polling the attempt log.
        self.attempt_listeners: list[Callable[[dict], None]] = []
        self._on_reply = on_reply
        self._queues: dict[int, deque[QueuedUpdate]] = {}
        self._workers: dict[int, asyncio.Task] = {}
        self._seq = itertools.count(1)
        self._round_robin: dict[int, int] = {}
        self._slots = ConnectionSlots(DEFAULT_MAX_CONNECTIONS)
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # aiohttp rather than httpx: httpcore's pool rescans every connection on each request,
        # which made the emulator, not the bot, the bottleneck of the load benchmark.
        # trust_env stays off: the webhook is local and no proxy may intercept it.
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS_LIMIT), trust_env=False
        )
        for key in list(self._queues):
            self._ensure_worker(key)

    async def close(self) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- the queue ----------------------------------------------------------------------------

    def enqueue(self, update: dict, copies: int = 1) -> None:
        item = QueuedUpdate(
            seq=next(self._seq),
            update=update,
            body=json.dumps(update, ensure_ascii=False).encode(),
            key=update_key(update),
            kind=update_kind(update),
            copies=copies,
        )
        self._queues.setdefault(item.key, deque()).append(item)
        self.feed.bump()
        self._ensure_worker(item.key)

    def pending(self) -> list[QueuedUpdate]:
        """Queued updates (including those being delivered) in arrival order."""
        return sorted(
            (item for queue in self._queues.values() for item in queue), key=lambda i: i.seq
        )

    @property
    def pending_count(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    @property
    def in_flight(self) -> int:
        return self._slots.in_use

    def is_idle(self) -> bool:
        return not self._queues and not self._workers

    def drop_pending(self) -> None:
        for queue in self._queues.values():
            for item in queue:
                item.dropped = True
        self._queues.clear()
        self.feed.bump()

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forget updates before it (a negative one keeps the last -offset)."""
        pending = self.pending()
        if offset < 0:
            forgotten = pending[: max(len(pending) + offset, 0)]
        else:
            forgotten = [item for item in pending if (item.update_id or 0) < offset]
        self._remove(forgotten)

    def poll(self, limit: int) -> list[dict]:
        """Updates for getUpdates; ones of types not allowed are dropped, as Telegram does."""
        self._remove([item for item in self.pending() if not self.allows(item.kind)])
        return [item.update for item in self.pending()[:limit]]

    def allows(self, kind: str) -> bool:
        if self.webhook.allowed_updates:
            return kind in self.webhook.allowed_updates
        return kind not in NOT_SENT_BY_DEFAULT

    def _remove(self, items: list[QueuedUpdate]) -> None:
        for item in items:
            item.dropped = True
            queue = self._queues[item.key]
            queue.remove(item)
            if not queue:
                del self._queues[item.key]
        if items:
            self.feed.bump()

    # -- the webhook --------------------------------------------------------------------------

    def set_webhook(
        self,
        url: str,
        *,
        secret_token: str | None,
        max_connections: int,
        allowed_updates: list[str] | None,
        drop_pending_updates: bool,
    ) -> None:
        if drop_pending_updates:
            self.drop_pending()
        self.webhook.url = url
        self.webhook.secret_token = secret_token
        self.webhook.max_connections = max_connections
        self.webhook.last_error_date = self.webhook.last_error_message = None
        # As in Telegram, leaving allowed_updates out keeps the previous setting.
        if allowed_updates is not None:
            self.webhook.allowed_updates = allowed_updates
        self._slots.set_limit(max_connections)
        logger.info("webhook set to %s (max_connections=%d)", url, max_connections)
        for key in list(self._queues):
            self._ensure_worker(key)
        self.feed.bump()

    def delete_webhook(self, drop_pending_updates: bool) -> None:
        if drop_pending_updates:
            self.drop_pending()
        self.webhook.url = ""
        self.webhook.secret_token = None
        logger.info("webhook deleted (drop_pending_updates=%s)", drop_pending_updates)
        self.feed.bump()

    def set_targets(self, urls: list[str]) -> None:
        self.targets = list(urls)
        self._round_robin.clear()
        logger.info("delivery targets: %s", ", ".join(urls) or "the webhook URL")

    def webhook_info(self) -> dict:
        info: dict = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": self.pending_count,
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
        if self.webhook.allowed_updates:
            info["allowed_updates"] = self.webhook.allowed_updates
        if self.webhook.last_error_date is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error_message
        return info

    # -- delivery -----------------------------------------------------------------------------

    def _ensure_worker(self, key: int) -> None:
        if self._client and self.webhook.url and key in self._queues and key not in self._workers:
            self._workers[key] = asyncio.create_task(self._drain(key), name=f"sandbox-chat-{key}")

    async def _drain(self, key: int) -> None:
        """Deliver one chat's updates one at a time, in order, until its queue is empty."""
        try:
            while self.webhook.url and (queue := self._queues.get(key)):
                item = queue[0]
                done = not self.allows(item.kind) or await self._deliver(item)
                # The queue may have been dropped or confirmed while we were delivering.
                queue = self._queues.get(key)
                if done and queue and queue[0] is item:
                    queue.popleft()
                    if not queue:
                        del self._queues[key]
                self.feed.bump()
        finally:
            del self._workers[key]
            self.feed.bump()

    async def _deliver(self, item: QueuedUpdate) -> bool:
        results = await asyncio.gather(*(self._deliver_copy(item) for _ in range(item.copies)))
        return all(results)

    async def _deliver_copy(self, item: QueuedUpdate) -> bool:
        """POST until a 2xx answer; False if the webhook was deleted or the update dropped."""
        backoff = self.backoff_s
        attempt = 0
        while self.webhook.url and not item.dropped:
            attempt += 1
            async with self._slots:
                if await self._post(self._target(item.key), item, attempt):
                    return True
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
        return False

    def _target(self, key: int) -> str:
        if not self.targets:
            return self.webhook.url
        turn = self._round_robin.get(key, 0)
        self._round_robin[key] = turn + 1
        return self.targets[turn % len(self.targets)]

    async def _post(self, url: str, item: QueuedUpdate, attempt: int) -> bool:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers[SECRET_HEADER] = self.webhook.secret_token
        status: int | None = None
        error: str | None = None
        content_type, body = "", b""
        started = time.perf_counter()
        try:
            async with self._client.post(
                url,
                data=item.body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as reply:
                status = reply.status
                content_type, body = reply.headers.get("Content-Type", ""), await reply.read()
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {reply.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except (aiohttp.ClientError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if not error:
            # Before the attempt is reported: whoever waits for the delivery sees its effects.
            await self._run_reply(content_type, body)
        record = {
            "update_id": item.update_id,
            "chat_id": item.key,
            "url": url,
            "status": status,
            "error": error,
            "latency_ms": latency_ms,
            "attempt": attempt,
            "at": time.time(),
        }
        self.attempts.append(record)
        for listener in self.attempt_listeners:
            listener(record)
        self.feed.bump()
        if error:
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = error
            logger.warning(
                "update %s (chat %s) attempt %d to %s failed: %s",
                item.update_id,
                item.key,
                attempt,
                url,
                error,
            )
            return False
        logger.debug(
            "update %s (chat %s) delivered in %.1f ms", item.update_id, item.key, latency_ms
        )
        return True

    async def _run_reply(self, content_type: str, body: bytes) -> None:
        """Telegram executes a Bot API method returned as the webhook's JSON answer."""
        if "json" not in content_type:
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if isinstance(payload, dict) and isinstance(payload.get("method"), str):
            await self._on_reply(payload)
