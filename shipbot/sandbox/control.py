"""The control API under /sandbox/api/: what the web chat page, tests and benchmarks drive.

Every route is async: the emulator is asyncio state and must not be touched from a threadpool.
"""

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shipbot.sandbox.emulator import BotApiEmulator

T = TypeVar("T")


class NewUser(BaseModel):
    first_name: str = Field(min_length=1, max_length=64)
    last_name: str | None = Field(default=None, max_length=64)
    username: str | None = Field(default=None, max_length=32)
    language_code: str = Field(default="en", min_length=2, max_length=10)


class UserText(BaseModel):
    text: str = Field(min_length=1)


class ButtonPress(BaseModel):
    message_id: int
    callback_data: str


class RawUpdate(BaseModel):
    update: dict
    copies: int = Field(default=1, ge=1, le=100)
    concurrent: bool = False


class Targets(BaseModel):
    urls: list[str]


class Settings(BaseModel):
    api_delay_ms: float | None = Field(default=None, ge=0)
    delivery_timeout_s: float | None = Field(default=None, gt=0)
    retry_backoff_s: float | None = Field(default=None, ge=0)
    held_answers: list[str] | None = None
    html_error_methods: list[str] | None = None
    # Telegram's flood limits (about 30 a second per bot, 1 per chat); off until set.
    global_per_second: int | None = Field(default=None, ge=1)
    chat_per_second: int | None = Field(default=None, ge=1)
    unlimited: bool = False


class BlockedBot(BaseModel):
    blocked: bool


class IdleWait(BaseModel):
    timeout: float = Field(default=10, gt=0, le=600)


def _checked(action: Callable[[], T]) -> T:
    """Turn the emulator's LookupError / ValueError into 404 / 400."""
    try:
        return action()
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def control_router(emulator: BotApiEmulator) -> APIRouter:
    router = APIRouter(prefix="/sandbox/api", include_in_schema=False)

    @router.get("/users")
    async def list_users() -> list[dict]:
        return emulator.users()

    @router.post("/users")
    async def create_user(new: NewUser) -> dict:
        return _checked(lambda: emulator.create_user(**new.model_dump()))

    @router.post("/users/{user_id}/blocked-bot")
    async def block_bot(user_id: int, change: BlockedBot) -> dict:
        return _checked(lambda: emulator.set_blocked_bot(user_id, change.blocked))

    @router.post("/chats/{user_id}/send")
    async def send_text(user_id: int, message: UserText) -> dict:
        update_id = _checked(lambda: emulator.send_text(user_id, message.text))
        return {"update_id": update_id, "message_id": emulator.messages(user_id)[-1]["message_id"]}

    @router.post("/chats/{user_id}/press")
    async def press(user_id: int, button: ButtonPress) -> dict:
        update_id = _checked(
            lambda: emulator.press(user_id, button.message_id, button.callback_data)
        )
        return {"update_id": update_id}

    @router.get("/chats/{user_id}/messages")
    async def messages(user_id: int) -> list[dict]:
        return _checked(lambda: emulator.messages(user_id))

    @router.get("/chats/{user_id}/events")
    async def events(
        user_id: int, after: int = 0, timeout: float = Query(default=25, ge=0, le=60)
    ) -> dict:
        try:
            return await emulator.wait_transcript(user_id, after, timeout)
        except LookupError as exc:  # no such user, or it vanished in a reset while we waited
            raise HTTPException(404, str(exc)) from None

    @router.get("/chats/{user_id}/callback-answers")
    async def callback_answers(user_id: int) -> list[dict]:
        return emulator.callback_answers(user_id)

    @router.post("/updates")
    async def inject(raw: RawUpdate) -> dict:
        _checked(lambda: emulator.inject(raw.update, raw.copies, raw.concurrent))
        return {"queued": raw.copies}

    @router.get("/calls")
    async def calls(method: str | None = None) -> list[dict]:
        return emulator.calls(method)

    @router.get("/deliveries")
    async def deliveries() -> list[dict]:
        return emulator.deliveries()

    @router.get("/webhook")
    async def webhook() -> dict:
        return {
            **emulator.webhook_info(),
            "has_secret_token": bool(emulator.delivery.webhook.secret_token),
            "targets": emulator.delivery.targets,
        }

    @router.post("/webhook/targets")
    async def set_targets(targets: Targets) -> dict:
        emulator.set_targets(targets.urls)
        return {"targets": targets.urls}

    @router.get("/settings")
    async def settings() -> dict:
        return emulator.settings()

    @router.post("/settings")
    async def configure(changes: Settings) -> dict:
        return emulator.configure(**changes.model_dump())

    @router.post("/idle")
    async def idle(wait: IdleWait | None = None) -> JSONResponse:
        try:
            await emulator.wait_idle((wait or IdleWait()).timeout)
        except TimeoutError:
            pending = emulator.delivery.pending_count
            return JSONResponse({"idle": False, "pending_update_count": pending}, status_code=408)
        return JSONResponse({"idle": True})

    @router.post("/reset")
    async def reset() -> dict:
        emulator.reset()
        return {"reset": True}

    @router.get("/files/{file_id}")
    async def download(file_id: str) -> Response:
        stored = emulator.file(file_id)
        if stored is None:
            raise HTTPException(404, "no such file")
        ascii_name = stored.file_name.encode("ascii", "replace").decode().replace('"', "_")
        disposition = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.file_name)}"
        )
        return Response(
            stored.data, media_type=stored.mime_type, headers={"Content-Disposition": disposition}
        )

    return router
