"""Helpers for the sandbox tests: an in-loop uvicorn server, a recording webhook receiver."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI, Request, Response

from shipbot.sandbox.changes import ChangeFeed
from shipbot.sandbox.delivery import SECRET_HEADER, update_key
from shipbot.sandbox.emulator import BotApiEmulator
from shipbot.sandbox.params import Params

TOKEN = "4242:test-Token_for-the-sandbox-tests"
WAIT = 15  # generous: these waits end on events, the timeout only bounds a broken run


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Run `app` with uvicorn on a free 127.0.0.1 port in this event loop; yield its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


Behaviour = Callable[[dict], Awaitable[int | Response]]


async def answer_ok(update: dict) -> int:
    return 200


class Receiver:
    """A webhook endpoint that records every POST and answers as `behaviour` says."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[dict] = []
        self.behaviour: Behaviour = answer_ok
        self.in_flight = 0
        self.max_in_flight = 0
        self.max_in_flight_per_chat = 0
        self.released = asyncio.Event()  # set at teardown, to free handlers that never answer
        self.feed = ChangeFeed()
        self._per_chat: Counter[int] = Counter()
        self.app = FastAPI()
        self.app.add_api_route("/webhook", self._handle, methods=["POST"])

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        update = await request.json()
        chat = update_key(update)
        self.requests.append(
            {"update": update, "body": body, "secret": request.headers.get(SECRET_HEADER)}
        )
        self.in_flight += 1
        self._per_chat[chat] += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.max_in_flight_per_chat = max(self.max_in_flight_per_chat, self._per_chat[chat])
        self.feed.bump()
        try:
            answer = await self.behaviour(update)
        finally:
            self.in_flight -= 1
            self._per_chat[chat] -= 1
            self.feed.bump()
        return answer if isinstance(answer, Response) else Response(status_code=answer)

    def update_ids(self) -> list[int]:
        return [r["update"]["update_id"] for r in self.requests]

    def texts(self) -> list[str]:
        return [r["update"]["message"]["text"] for r in self.requests if "message" in r["update"]]

    async def wait_for(self, predicate: Callable[[], object]) -> None:
        await self.feed.wait_until(predicate, WAIT)


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    async with serve(receiver.app) as base:
        receiver.url = f"{base}/webhook"
        try:
            yield receiver
        finally:
            receiver.released.set()


async def set_webhook(emulator: BotApiEmulator, url: str, **params: object) -> None:
    await emulator.call("setWebhook", Params({"url": url, **params}))


async def bot_says(emulator: BotApiEmulator, chat_id: int, text: str, **params: object) -> dict:
    """Send a bot message through the emulator's Bot API, as the bot would."""
    return await emulator.call("sendMessage", Params({"chat_id": chat_id, "text": text, **params}))


@dataclass
class Sandbox:
    emulator: BotApiEmulator
    url: str
