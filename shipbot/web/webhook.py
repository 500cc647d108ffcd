"""POST /api/telegram/webhook: authenticate (G6), parse, process once (G1-G3), then answer.

The answer is sent only after the update's effects are committed, so a non-2xx answer or a
dropped connection makes Telegram redeliver and nothing acknowledged is ever lost.
"""

from __future__ import annotations

import hmac
import logging

from aiogram.types import Update
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import ValidationError

from shipbot.bot.assembly import BotRuntime
from shipbot.bot.runtime.processor import RetryLater
from shipbot.config import WEBHOOK_PATH
from shipbot.web.deps import get_runtime

log = logging.getLogger(__name__)
router = APIRouter()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def telegram_webhook(
    request: Request, runtime: BotRuntime = Depends(get_runtime)
) -> Response:
    expected = runtime.settings.require("webhook_secret").encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        log.warning("webhook call without the right secret token from %s", request.client)
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    try:
        update = Update.model_validate_json(await request.body(), context={"bot": runtime.bot})
    except ValidationError:
        return Response(status_code=status.HTTP_400_BAD_REQUEST)
    try:
        await runtime.processor.process(update)
    except RetryLater:
        return Response(status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response(status_code=status.HTTP_200_OK)
