"""Payment provider callbacks (SPEC §6.2, G6): signed with the merchant key or refused.

The body is checked against the `HMAC` header before anything else is read; a valid report
is recorded and credited once (services/topups.py), the user is told, and the provider gets
`ok` so it stops retrying.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from shipbot.bot.assembly import BotRuntime
from shipbot.bot.notifications import tell_about_top_up
from shipbot.config import PAYMENT_CALLBACK_PATH
from shipbot.services.topups import apply_invoice_state
from shipbot.web.bodies import read_body
from shipbot.web.deps import get_runtime

log = logging.getLogger(__name__)
router = APIRouter()
# An invoice report is a small JSON object; anyone can post here, so nothing bigger is read.
CALLBACK_BODY_LIMIT = 64 * 1024


@router.post(PAYMENT_CALLBACK_PATH, response_class=PlainTextResponse)
async def payment_callback(
    request: Request, runtime: BotRuntime = Depends(get_runtime)
) -> PlainTextResponse:
    body = await read_body(request, CALLBACK_BODY_LIMIT)
    provider = runtime.payments.provider
    if not provider.verify_callback(body, request.headers.get("HMAC")):
        log.warning("payment callback with a missing or wrong HMAC refused")
        return PlainTextResponse("invalid signature", status_code=401)
    try:
        state = provider.parse_callback(body)
    except ValueError as error:
        log.warning("signed payment callback that is not an invoice report: %s", error)
        return PlainTextResponse("unreadable callback", status_code=400)
    credit = await apply_invoice_state(runtime.database, state)
    if credit is not None:
        await tell_about_top_up(runtime, credit.invoice)
    return PlainTextResponse("ok")
