"""FastAPI wiring: the standalone emulator app, or the emulator mounted into the bot's app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from shipbot.sandbox.botapi import botapi_router
from shipbot.sandbox.control import control_router
from shipbot.sandbox.emulator import BotApiEmulator

STATIC_DIR = Path(__file__).with_name("static")


def include_emulator(app: FastAPI, emulator: BotApiEmulator) -> None:
    """Add the Bot API, control API and chat page; the caller starts and closes the emulator."""
    app.include_router(botapi_router(emulator))
    app.include_router(control_router(emulator))
    page = APIRouter(include_in_schema=False)

    @page.get("/sandbox")
    async def chat_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    app.include_router(page)
    app.mount("/sandbox/static", StaticFiles(directory=STATIC_DIR), name="sandbox-static")


def create_emulator_app(emulator: BotApiEmulator) -> FastAPI:
    """The standalone emulator server; its lifespan starts and closes the emulator."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await emulator.start()
        try:
            yield
        finally:
            await emulator.close()

    app = FastAPI(
        title="shipbot sandbox Bot API",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    include_emulator(app, emulator)
    return app
