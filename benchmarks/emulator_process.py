"""The Bot API emulator in a process of its own, driven over HTTP by a load generator.

In the load generator's process the emulator cost about 1-1.5 ms of CPU per update, enough
to cap the measurement. Here it has its own interpreter (and GIL); the load generator asks it
to play one step of a chat and gets the answer when the webhook acknowledged the update:

    POST /bench/chats {"count": 200}          forget all chats, create users, their ids
    POST /bench/step {"chat_id": 1, "text": "/start"}              send a text
    POST /bench/step {"chat_id": 1, "callback_data": "menu:help"}  press the live prompt's button
    POST /bench/step {"chat_id": 1, "button": "✅ Correct"}         ... found by its label
    GET  /bench/counts                        failed webhook attempts, Bot API requests so far

    python -m benchmarks.emulator_process --port 8100 --api-delay-ms 100
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from benchmarks.harness import (
    STEP_TIMEOUT,
    TOKEN,
    Deliveries,
    button,
    live_prompt_id,
    new_users,
)
from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import BotApiEmulator


class NewChats(BaseModel):
    count: int
    name: str = "Bench"


class Step(BaseModel):
    chat_id: int
    text: str | None = None
    callback_data: str | None = None
    button: str | None = None


class Counts:
    """Failed webhook attempts and HTTP requests to the Bot API (webhook answers not included)."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.bot_api_requests = 0

    def as_dict(self) -> dict:
        return {"failed": self.deliveries.failed, "bot_api_requests": self.bot_api_requests}


def bench_router(emulator: BotApiEmulator, deliveries: Deliveries, counts: Counts) -> APIRouter:
    router = APIRouter(prefix="/bench")

    @router.post("/chats")
    async def chats(new: NewChats) -> dict:
        return {"ids": new_users(emulator, new.name, new.count)}

    @router.post("/step")
    async def step(step: Step) -> dict:
        if step.text is not None:
            update_id = emulator.send_text(step.chat_id, step.text)
        elif step.callback_data is not None:
            prompt_id = live_prompt_id(emulator, step.chat_id)
            update_id = emulator.press(step.chat_id, prompt_id, step.callback_data)
        else:
            update_id = emulator.press(step.chat_id, *button(emulator, step.chat_id, step.button))
        latency = await asyncio.wait_for(deliveries.expect(update_id), timeout=STEP_TIMEOUT)
        return {"latency_ms": latency}

    @router.get("/counts")
    async def counted() -> dict:
        return counts.as_dict()

    return router


def build_app(api_delay_ms: float) -> FastAPI:
    emulator = BotApiEmulator(token=TOKEN, api_delay_ms=api_delay_ms)
    app = create_emulator_app(emulator)
    deliveries = Deliveries(emulator)
    counts = Counts(deliveries)

    @app.middleware("http")
    async def count_bot_api_requests(request: Request, call_next):
        if request.url.path.startswith("/sandbox/botapi/"):
            counts.bot_api_requests += 1
        return await call_next(request)

    app.include_router(bench_router(emulator, deliveries, counts))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-delay-ms", type=float, default=0)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.api_delay_ms),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
