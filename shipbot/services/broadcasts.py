"""Broadcasts from the panel (SPEC §3.7): starting one for an audience, pausing, resuming and
cancelling it, and its progress. The sending itself is `broadcast_sender`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Broadcast, BroadcastRecipient, utcnow
from shipbot.domain.broadcast import (
    Audience,
    BroadcastError,
    BroadcastState,
    Content,
    RecipientState,
    check_content,
)
from shipbot.services import audit
from shipbot.services.broadcast_audience import audience_ids, count_audience

RATE_WINDOW = timedelta(seconds=10)  # the rate shown is the sends of the last 10 seconds
AUDIT_TEXT = 500  # how much of the text the audit entry keeps

# Which state may become which, by the panel's buttons.
_CONTROLS = {
    "pause": ({BroadcastState.SENDING}, BroadcastState.PAUSED),
    "resume": ({BroadcastState.PAUSED}, BroadcastState.SENDING),
    "cancel": ({BroadcastState.SENDING, BroadcastState.PAUSED}, BroadcastState.CANCELLED),
}


@dataclass(frozen=True)
class Progress:
    id: int
    state: str
    total: int
    sent: int
    blocked: int
    failed: int
    left: int
    rate: float  # messages a second, lately
    eta_seconds: int | None
    finished_at: datetime | None

    @property
    def done_percent(self) -> int:
        if not self.total:
            return 100
        return (self.total - self.left) * 100 // self.total

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "sent": self.sent,
            "blocked": self.blocked,
            "failed": self.failed,
            "left": self.left,
            "rate": round(self.rate, 1),
            "eta_seconds": self.eta_seconds,
            "done_percent": self.done_percent,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


async def recipient_count(database: Database, audience: Audience) -> int:
    async with database.sessions() as session:
        return await count_audience(session, audience)


async def start(
    database: Database, actor: audit.Actor, content: Content, audience: Audience
) -> Broadcast:
    """Store the broadcast with one pending row per recipient; the workers take it from there."""
    check_content(content)
    media = content.media
    async with database.write_transaction() as session:
        broadcast = Broadcast(
            admin_account_id=actor.account_id,
            admin_username=actor.username,
            text=content.text,
            media_kind=media.kind.value if media else None,
            media_name=media.name if media else None,
            media_type=media.content_type if media else None,
            media_data=media.data if media else None,
            buttons=[{"text": b.text, "url": b.url} for b in content.buttons],
            audience=audience.as_json(),
            state=BroadcastState.SENDING.value,
            total=0,
        )
        session.add(broadcast)
        await session.flush()
        users = audience_ids(audience).subquery()
        rows = select(
            literal(broadcast.id),
            users.c.id,
            literal(RecipientState.PENDING.value),
            literal(0),
        )
        added = await session.execute(
            insert(BroadcastRecipient).from_select(
                ["broadcast_id", "user_id", "state", "attempts"], rows
            )
        )
        broadcast.total = added.rowcount
        if not broadcast.total:
            raise BroadcastError("nobody is in this audience")
        audit.record(
            session,
            actor,
            "broadcast.send",
            target_type="broadcast",
            target_id=broadcast.id,
            after={
                "text": content.text[:AUDIT_TEXT],
                "media": media.name if media else None,
                "buttons": broadcast.buttons,
                "audience": broadcast.audience,
                "recipients": broadcast.total,
            },
        )
    return broadcast


async def control(database: Database, actor: audit.Actor, broadcast_id: int, action: str) -> str:
    """Pause, resume or cancel; the new state. BroadcastError when it cannot be done now."""
    if action not in _CONTROLS:
        raise BroadcastError(f"unknown action {action!r}")
    allowed, new_state = _CONTROLS[action]
    async with database.write_transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None:
            raise BroadcastError("no such broadcast")
        if broadcast.state not in allowed:
            raise BroadcastError(f"a broadcast that is {broadcast.state} cannot {action}")
        before = broadcast.state
        broadcast.state = new_state.value
        if new_state is BroadcastState.CANCELLED:
            broadcast.finished_at = utcnow()
        audit.record(
            session,
            actor,
            f"broadcast.{action}",
            target_type="broadcast",
            target_id=broadcast_id,
            before={"state": before},
            after={"state": new_state.value},
        )
    return new_state.value


async def progress(session: AsyncSession, broadcast: Broadcast) -> Progress:
    counts = dict(
        (
            await session.execute(
                select(BroadcastRecipient.state, func.count())
                .where(BroadcastRecipient.broadcast_id == broadcast.id)
                .group_by(BroadcastRecipient.state)
            )
        ).all()
    )
    recent = await session.scalar(
        select(func.count()).where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.sent_at >= utcnow() - RATE_WINDOW,
        )
    )
    rate = recent / RATE_WINDOW.total_seconds()
    left = counts.get(RecipientState.PENDING.value, 0)
    running = broadcast.state == BroadcastState.SENDING
    return Progress(
        id=broadcast.id,
        state=broadcast.state,
        total=broadcast.total,
        sent=counts.get(RecipientState.SENT.value, 0),
        blocked=counts.get(RecipientState.BLOCKED.value, 0),
        failed=counts.get(RecipientState.FAILED.value, 0),
        left=left,
        rate=rate,
        eta_seconds=round(left / rate) if running and rate else None,
        finished_at=broadcast.finished_at,
    )


async def find(database: Database, broadcast_id: int) -> tuple[Broadcast, Progress] | None:
    async with database.sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            return None
        return broadcast, await progress(session, broadcast)


async def latest(database: Database, limit: int = 20) -> list[tuple[Broadcast, Progress]]:
    async with database.sessions() as session:
        broadcasts = list(
            await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
        )
        return [(b, await progress(session, b)) for b in broadcasts]


async def failures(database: Database, broadcast_id: int, limit: int = 50) -> list[tuple]:
    """(user id, state, reason) of the recipients it did not reach, for the final report."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(BroadcastRecipient.user_id, BroadcastRecipient.state, BroadcastRecipient.error)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.state.in_(
                    [RecipientState.FAILED.value, RecipientState.BLOCKED.value]
                ),
            )
            .order_by(BroadcastRecipient.id)
            .limit(limit)
        )
        return [tuple(row) for row in rows]


async def finish_if_complete(session: AsyncSession, broadcast_id: int) -> bool:
    """Mark a sending broadcast done when no recipient is left pending."""
    pending = await session.scalar(
        select(func.count()).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.state == RecipientState.PENDING.value,
        )
    )
    if pending:
        return False
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.SENDING.value)
        .values(state=BroadcastState.DONE.value, finished_at=utcnow())
    )
    return True
