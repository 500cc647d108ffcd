"""The audit log of admin actions (SPEC §4): one append-only row per action, and its listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import AuditEntry, utcnow
from shipbot.services.admin_lists import clamp_page_size


@dataclass(frozen=True)
class Actor:
    """Who acts: an admin account from the panel or the API, or the command line."""

    account_id: int | None
    username: str | None
    client_address: str | None


# The operator at the server's shell (`shipbot admin ...`): no account, no address.
COMMAND_LINE = Actor(account_id=None, username=None, client_address="command line")


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add the row to the caller's transaction, so the action and its record commit together."""
    entry = AuditEntry(
        at=at or utcnow(),
        admin_account_id=actor.account_id,
        admin_username=actor.username,
        client_address=actor.client_address,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    admin_username: str | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    @classmethod
    def of_days(
        cls,
        admin_username: str | None,
        action: str | None,
        first_day: date | None,
        last_day: date | None,
    ) -> AuditFilter:
        """From what a person picks: both days included, in UTC; blanks mean no filter."""
        return cls(
            admin_username=(admin_username or "").strip().lower() or None,
            action=(action or "").strip() or None,
            since=_midnight(first_day) if first_day else None,
            until=_midnight(last_day + timedelta(days=1)) if last_day else None,
        )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # Pass as `before_id` for the next (older) page; None on the last page.
    next_cursor: int | None


async def list_entries(
    database: Database,
    filters: AuditFilter = AuditFilter(),
    *,
    before_id: int | None = None,
    limit: int | None = None,
) -> AuditPage:
    """Newest first, a page at a time; the cursor is the id to continue below (keyset
    pagination stays fast and stable while rows are being appended)."""
    size = clamp_page_size(limit)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(size + 1)
    if filters.admin_username:
        query = query.where(AuditEntry.admin_username == filters.admin_username)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    async with database.sessions() as session:
        rows = list(await session.scalars(query))
    entries = rows[:size]
    next_cursor = entries[-1].id if len(rows) > size else None
    return AuditPage(entries, next_cursor)


async def list_actions(database: Database) -> list[str]:
    """The actions recorded so far, for the filter's choices."""
    async with database.sessions() as session:
        return list(
            await session.scalars(
                select(AuditEntry.action).distinct().order_by(AuditEntry.action)
            )
        )
