"""Health, readiness, metrics and the Telegram status page (SPEC §5)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select

from shipbot.bot.assembly import BotRuntime
from shipbot.db import migrate
from shipbot.db.models import ProcessedUpdate
from shipbot.web.deps import get_drain, get_runtime, require_admin_token, require_metrics_token
from shipbot.web.draining import Drain

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(
    runtime: BotRuntime = Depends(get_runtime), drain: Drain = Depends(get_drain)
) -> JSONResponse:
    if drain.draining:
        return JSONResponse({"status": "draining"}, status_code=503)
    try:
        current = await migrate.current_revision(runtime.database)
    except Exception as error:  # any driver error means "not ready"
        # Its text names hosts, users and databases: the log gets it, the caller does not.
        log.warning("not ready: the database did not answer: %s", error)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    head = migrate.head_revision()
    if current != head:
        return JSONResponse(
            {"status": "migrations pending", "current": current, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ready", "revision": current})


@router.get("/metrics", dependencies=[Depends(require_metrics_token)])
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/telegram/status", dependencies=[Depends(require_admin_token)])
async def telegram_status(runtime: BotRuntime = Depends(get_runtime)) -> dict:
    info = await runtime.bot.get_webhook_info()
    async with runtime.database.sessions() as session:
        last_processed = await session.scalar(select(func.max(ProcessedUpdate.processed_at)))
    processor = runtime.processor
    return {
        "webhook": info.model_dump(mode="json", exclude_none=True),
        "last_update_at": last_processed.isoformat() if last_processed else None,
        "this_process": {
            "last_update_at": processor.last_update_at.isoformat()
            if processor.last_update_at
            else None,
            "updates": {outcome.value: count for outcome, count in processor.counts.items()},
            "chats_in_flight": len(processor.chats.locks),
        },
    }
