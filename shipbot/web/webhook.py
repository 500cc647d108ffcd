"""POST /api/telegram/webhook: authenticate (G6), parse, process once (G1-G3), then answer.

The answer is sent only after the update's effects are committed, so a non-2xx answer or a
dropped connection makes Telegram redeliver and nothing acknowledged is ever lost. A 200 may
carry one Bot API call as its JSON body, which Telegram then runs (see webhook_reply).
"""

from __future__ import annotations

import hmac
import logging

from aiogram.types import Update
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from shipbot.bot.assembly import BotRuntime
from shipbot.bot.runtime.processor import RetryLater
from shipbot.bot.runtime.webhook_reply import WebhookReply, answer_body
from shipbot.config import WEBHOOK_PATH
from shipbot.web.bodies import read_body
from shipbot.web.deps import get_drain, get_runtime
from shipbot.web.draining import Drain

log = logging.getLogger(__name__)
router = APIRouter()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is tens of KiB at most (a 4096-character text, its entities, the message replied to).
WEBHOOK_BODY_LIMIT = 1024 * 1024
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def telegram_webhook(
    request: Request,
    runtime: BotRuntime = Depends(get_runtime),
    drain: Drain = Depends(get_drain),
) -> Response:
    if drain.draining:  # shutting down: Telegram redelivers it
        return Response(status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    expected = runtime.settings.require("webhook_secret").encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        log.warning("webhook call without the right secret token from %s", request.client)
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    body = await read_body(request, WEBHOOK_BODY_LIMIT)
    try:
        update = Update.model_validate_json(body, context={"bot": runtime.bot})
    except ValidationError:
        return Response(status_code=status.HTTP_400_BAD_REQUEST)
    if not _fits_in_64_bits(update):
        log.warning("update refused: it carries an integer beyond 64 bits")
        return Response(status_code=status.HTTP_400_BAD_REQUEST)
    reply = WebhookReply()
    try:
        with drain.update():
            await runtime.processor.process(update, reply)
    except RetryLater:
        return Response(status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    if reply.method is None:
        return Response(status_code=status.HTTP_200_OK)
    return JSONResponse(answer_body(runtime.bot, reply.method))


def _fits_in_64_bits(value: object) -> bool:
    """Every integer the update carries fits the database's BIGINT (ids, update_id, ...).

    Checked on the parsed update rather than the JSON, since pydantic also turns a string of
    digits into an int; only the fields the sender set are visited, which keeps it to a few
    microseconds.
    """
    if type(value) is int:  # not bool
        return _INT64_MIN <= value <= _INT64_MAX
    if isinstance(value, BaseModel):
        fields = value.__dict__
        return all(_fits_in_64_bits(fields[name]) for name in value.__pydantic_fields_set__)
    if isinstance(value, list):
        return all(_fits_in_64_bits(item) for item in value)
    return True
