"""Admin panel sessions, kept in the database so every replica honours them and logout or a
disabled account ends them at once. The browser holds a random token; the database holds its
SHA-256. A session ends after IDLE_TIMEOUT without a request and ABSOLUTE_TIMEOUT after login,
whichever comes first, checked on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from shipbot.db.database import Database
from shipbot.db.models import AdminAccount, AdminLoginFailure, AdminSession, utcnow
from shipbot.services import audit
from shipbot.services.admin_accounts import LOCKOUT, Role, authenticate
from shipbot.services.audit import Actor

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Recording "last seen" at most once a minute spares a write on most requests.
TOUCH_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class AdminIdentity:
    """Who a request comes from: the session and its account."""

    session_id: int
    account_id: int
    username: str
    role: Role
    csrf_token: str

    def actor(self, client_address: str | None) -> Actor:
        return Actor(self.account_id, self.username, client_address)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def log_in(
    database: Database,
    username: str,
    password: str,
    client_address: str,
    *,
    now: datetime | None = None,
) -> tuple[str, AdminIdentity]:
    """The new session's token for the cookie; raises LoginFailed or LockedOut."""
    now = now or utcnow()
    account = await authenticate(database, username, password, client_address, now=now)
    token = secrets.token_urlsafe(32)
    row = AdminSession(
        token_hash=hash_token(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        client_address=client_address,
        created_at=now,
        last_seen_at=now,
    )
    async with database.write_transaction() as session:
        session.add(row)
        await session.flush()
        audit.record(
            session,
            Actor(account.id, account.username, client_address),
            "login",
            target_type="admin_session",
            target_id=row.id,
            at=now,
        )
    return token, AdminIdentity(row.id, account.id, account.username, account.role, row.csrf_token)


async def resolve(
    database: Database, token: str | None, *, now: datetime | None = None
) -> AdminIdentity | None:
    """The identity behind a session token, or None when it is unknown, revoked, expired or its
    account disabled. Marks the session as seen."""
    if not token:
        return None
    now = now or utcnow()
    async with database.sessions() as session:
        found = (
            await session.execute(
                select(AdminSession, AdminAccount)
                .join(AdminAccount, AdminAccount.id == AdminSession.account_id)
                .where(AdminSession.token_hash == hash_token(token))
            )
        ).first()
    if found is None:
        return None
    row, account = found
    if (
        row.revoked_at is not None
        or account.disabled_at is not None
        or now - row.last_seen_at > IDLE_TIMEOUT
        or now - row.created_at > ABSOLUTE_TIMEOUT
    ):
        return None
    if now - row.last_seen_at >= TOUCH_PRECISION:
        async with database.write_transaction() as session:
            await session.execute(
                update(AdminSession).where(AdminSession.id == row.id).values(last_seen_at=now)
            )
    return AdminIdentity(row.id, account.id, account.username, Role(account.role), row.csrf_token)


async def log_out(
    database: Database,
    identity: AdminIdentity,
    client_address: str | None,
    *,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    async with database.write_transaction() as session:
        await session.execute(
            update(AdminSession)
            .where(AdminSession.id == identity.session_id, AdminSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.record(
            session,
            identity.actor(client_address),
            "logout",
            target_type="admin_session",
            target_id=identity.session_id,
            at=now,
        )


async def prune_ended(database: Database, now: datetime | None = None) -> int:
    """Delete sessions that can no longer be used and login failures older than any lockout
    they could still count towards; run by housekeeping."""
    now = now or utcnow()
    async with database.write_transaction() as session:
        sessions = await session.execute(
            delete(AdminSession).where(
                or_(
                    AdminSession.revoked_at.is_not(None),
                    AdminSession.created_at < now - ABSOLUTE_TIMEOUT,
                    AdminSession.last_seen_at < now - IDLE_TIMEOUT,
                )
            )
        )
        failures = await session.execute(
            delete(AdminLoginFailure).where(AdminLoginFailure.at < now - 2 * LOCKOUT)
        )
    return (sessions.rowcount or 0) + (failures.rowcount or 0)
