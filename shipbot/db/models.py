"""Tables: users, processed updates, FSM state, the live prompt per chat, saved addresses,
rate quotes, orders, and the balance ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """Timestamps are aware and in UTC on both databases.

    SQLite stores no zone and hands values back naive; PostgreSQL returns them aware. Reading
    them back as UTC here keeps every comparison with `utcnow()` valid on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


class User(Base):
    """A Telegram user who wrote to the bot; refreshed on every update."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    # What Telegram reports, and what the user chose in the bot (wins when set).
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # When Telegram answered a send with "bot was blocked by the user" (the panel shows it).
    blocked_bot_at: Mapped[datetime | None]
    # Set by the admin: a percent off every price for this user (SPEC §3.2).
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_users_created_id", "created_at", "id"),
        Index("ix_users_last_seen_id", "last_seen_at", "id"),
        Index("ix_users_username_lower", func.lower(username)),
    )


class ProcessedUpdate(Base):
    """Written in the same transaction as an update's effects: its presence means 'done'."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)
    duplicates: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_processed_updates_processed_at", "processed_at"),
        # A chat's recent updates, counted by flood control.
        Index("ix_processed_updates_chat_processed", "chat_id", "processed_at"),
    )


class FsmRecord(Base):
    """aiogram FSM state and data for one storage key."""

    __tablename__ = "fsm_states"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=0)
    business_connection_id: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    destiny: Mapped[str] = mapped_column(String(64), primary_key=True, default="default")
    state: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def primary_key(self) -> tuple:
        return (
            self.bot_id,
            self.chat_id,
            self.user_id,
            self.thread_id,
            self.business_connection_id,
            self.destiny,
        )


class ActivePrompt(Base):
    """The one bot message per chat whose inline keyboard is live (G4)."""

    __tablename__ = "active_prompts"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SavedAddress(Base):
    """An address in a user's address book (SPEC §3.6), always read through its owner."""

    __tablename__ = "saved_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(35))
    company: Mapped[str | None] = mapped_column(String(35))
    street1: Mapped[str] = mapped_column(String(35))
    street2: Mapped[str | None] = mapped_column(String(35))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(16))
    is_default_sender: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "label", name="uq_saved_addresses_user_label"),
        Index("ix_saved_addresses_user_id", "user_id"),
    )


class RateQuote(Base):
    """Rates fetched for one user's shipment, priced, reused until they expire (SPEC §3.2)."""

    __tablename__ = "rate_quotes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # generated by the app
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    shipment_key: Mapped[str] = mapped_column(String(64))  # hash of the shipment's JSON
    shipment: Mapped[dict] = mapped_column(JSON)
    rates: Mapped[list] = mapped_column(JSON)  # priced rates, cheapest first
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_rate_quotes_user_shipment", "user_id", "shipment_key"),
        Index("ix_rate_quotes_created_user", "created_at", "user_id"),
    )


class Order(Base):
    """A label order; `quoted` once a rate is chosen, ready for payment (SPEC §3.3)."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # shown to users
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    shipment: Mapped[dict] = mapped_column(JSON)
    rate: Mapped[dict] = mapped_column(JSON)  # the chosen rate as quoted, with our price
    price_cents: Mapped[int] = mapped_column(Integer)
    quote_id: Mapped[str] = mapped_column(String(32))
    quote_expires_at: Mapped[datetime]
    # Set by the purchase (SPEC §3.3): quoted → purchasing → purchased | failed.
    label_id: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    purchased_at: Mapped[datetime | None]
    refund_deadline: Mapped[datetime | None]  # the carrier's void window, fixed at purchase
    told_at: Mapped[datetime | None]  # when the user was told how the purchase ended (G2)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_orders_user_created", "user_id", "created_at"),
        Index("ix_orders_status", "status"),
        Index("ix_orders_created_user", "created_at", "user_id"),
        Index("ix_orders_tracking_number", "tracking_number"),
    )


class LedgerEntry(Base):
    """One money movement, append-only (SPEC G5); credits positive, debits negative."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(96), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_ledger_entries_user_id", "user_id", "id"),
        Index("ix_ledger_entries_kind_created", "kind", "created_at"),
    )


class Balance(Base):
    """The sum of a user's ledger entries, kept in the same transaction as each entry; the
    database refuses a negative one."""

    __tablename__ = "balances"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    cents: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("cents >= 0", name="ck_balances_not_negative"),)


class Invoice(Base):
    """A top-up invoice at the payment provider (SPEC §3.4); credited once per track_id."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # our id, Oxapay's order_id
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="RESTRICT"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    track_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    received_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    payment_url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(Integer)  # the invoice message to edit
    # What the user was last told (G2): news still owed after a crash is told by the poller.
    told_status: Mapped[str] = mapped_column(String(16), default="waiting")
    told_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Held for the operator's review (services/topups.py): what arrived above what the invoice
    # may credit, why the latest report was held, and the reason the operator was last told.
    held_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    review_reason: Mapped[str | None] = mapped_column(Text)
    told_review: Mapped[str | None] = mapped_column(Text)
    # Opened from an order's payment screen: once paid, the user is taken back to it.
    order_id: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("orders.id", name="fk_invoices_order_id")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_invoices_status_expires", "status", "expires_at"),
        Index("ix_invoices_created_user", "created_at", "user_id"),
        Index("ix_invoices_user_created", "user_id", "created_at"),
    )


class SandboxInvoiceRecord(Base):
    """An invoice of the sandbox payment provider, kept as Oxapay keeps its own: it outlives a
    restart and every replica sees it. Read as shipbot.providers.payments.sandbox.SandboxInvoice.
    """

    __tablename__ = "sandbox_invoices"

    track_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    callback_url: Mapped[str] = mapped_column(Text)
    return_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    received_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    """A refund request for a bought label (SPEC §3.5): the carrier's void and its answer."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(16), ForeignKey("orders.id"), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16))  # approved | refused
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    carrier_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The operator's decision on a refused one (services/refunds.py): goodwill | closed.
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))  # admin username, or "api"
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_refunds_created_user", "created_at", "user_id"),
        Index("ix_refunds_user_created", "user_id", "created_at"),
    )


class ShopSettingsRecord(Base):
    """The shop's settings an owner edited in the panel (services/shop_settings.py): one row,
    its `edits` by field name as JSON; a field not there is the environment's."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)  # one up per change
    edits: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="ck_shop_settings_one_row"),)


class AdminAccount(Base):
    """A person who runs the shop from the admin panel (SPEC §4); disabled, never deleted, so
    the audit log always names who acted."""

    __tablename__ = "admin_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, PHC string format
    role: Mapped[str] = mapped_column(String(16))  # owner | support
    # Marks the same person as an admin inside the bot.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("role IN ('owner', 'support')", name="ck_admin_accounts_role"),
    )


class AdminSession(Base):
    """A logged-in browser, kept server-side so every replica sees it and logout revokes it.
    Only the token's SHA-256 is stored: a copy of the database opens no session."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("admin_accounts.id", ondelete="CASCADE")
    )
    csrf_token: Mapped[str] = mapped_column(String(64))  # echoed by every state-changing form
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_admin_sessions_account_id", "account_id"),)


class AdminLoginFailure(Base):
    """A failed login, counted for the lockout by the name tried (known or not, so a lockout
    does not reveal which names exist) and by the client address."""

    __tablename__ = "admin_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_admin_login_failures_username_at", "username", "at"),
        Index("ix_admin_login_failures_address_at", "client_address", "at"),
    )


class AuditEntry(Base):
    """One admin action, append-only: the database refuses to update or delete a row."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign key: the row must outlive anything it names. Empty for the command line.
    admin_account_id: Mapped[int | None] = mapped_column(Integer)
    admin_username: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_admin_username", "admin_username", "id"),
        Index("ix_audit_log_action", "action", "id"),
    )


class JobRun(Base):
    """When a background job last started and finished, and what the last finished run raised:
    in the database, so the panel of every replica sees the runs of the one that leads them."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(48), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)  # NULL: the last run succeeded


class AdminApiToken(Base):
    """A personal token for the admin API: whoever holds it acts as its account, with the
    account's role. Only its SHA-256 is stored; the prefix tells a person which token is which."""

    __tablename__ = "admin_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("admin_accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_admin_api_tokens_account_id", "account_id"),)


class DailyStats(Base):
    """One closed UTC day of the dashboard's figures that add up across days
    (services/stats_rollup.py writes it, services/stats.py reads it). Its row is what marks the
    day as rolled up: a day without any activity has a row of zeros."""

    __tablename__ = "daily_stats"

    day: Mapped[date] = mapped_column(primary_key=True)
    labels_refunded: Mapped[int] = mapped_column(Integer, default=0)
    refunds_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds_carrier_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # recovered
    top_ups_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    new_users: Mapped[int] = mapped_column(Integer, default=0)
    rolled_up_at: Mapped[datetime]


class DailyCarrierStats(Base):
    """A rolled-up day's labels sold through one carrier: their charges and carrier cost."""

    __tablename__ = "daily_carrier_stats"

    day: Mapped[date] = mapped_column(primary_key=True)
    carrier_code: Mapped[str] = mapped_column(Text, primary_key=True)
    carrier_name: Mapped[str] = mapped_column(Text)
    labels_sold: Mapped[int] = mapped_column(Integer)
    label_charges_cents: Mapped[int] = mapped_column(BigInteger)
    carrier_cost_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = {"sqlite_with_rowid": False}


class DailyActiveUser(Base):
    """A user active on a rolled-up day: distinct users per week and per period are counted
    from these, as they cannot be added up from daily counts. The indexes give each count its
    rows in order (by week and user, by user), so none needs sorting."""

    __tablename__ = "daily_active_users"

    day: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    week: Mapped[date]  # the day's week bucket, its Monday

    __table_args__ = (
        Index("ix_daily_active_users_week_user", "week", "user_id", "day"),
        Index("ix_daily_active_users_user_day", "user_id", "day"),
        {"sqlite_with_rowid": False},
    )


class DailyUserSales(Base):
    """A user's labels bought and spend (charges less refunds) on a rolled-up day, for the
    period's top users."""

    __tablename__ = "daily_user_sales"

    day: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    labels: Mapped[int] = mapped_column(Integer)
    spend_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # Per user in order, for the period's sums, without reading the table.
        Index("ix_daily_user_sales_user_day", "user_id", "day", "labels", "spend_cents"),
        {"sqlite_with_rowid": False},
    )


class MonthlyRollup(Base):
    """A calendar month of the roll-up (its first day). Rolling up a day locks its month's row
    first, so that the days of one month take turns rebuilding the month's rows below."""

    __tablename__ = "monthly_rollups"

    month: Mapped[date] = mapped_column(primary_key=True)
    rolled_up_at: Mapped[datetime]


class MonthlyActiveUser(Base):
    """A user active on any rolled-up day of a month: the `daily_active_users` of the month,
    once per user, so a long period counts its distinct users from a row per user and month."""

    __tablename__ = "monthly_active_users"

    month: Mapped[date] = mapped_column(primary_key=True)  # its first day
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = {"sqlite_with_rowid": False}


class MonthlyUserSales(Base):
    """A user's `daily_user_sales` of a month, added up: a long period's top users read a row
    per user and month."""

    __tablename__ = "monthly_user_sales"

    month: Mapped[date] = mapped_column(primary_key=True)  # its first day
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    labels: Mapped[int] = mapped_column(Integer)
    spend_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = {"sqlite_with_rowid": False}


class WeeklyActiveCount(Base):
    """A week's distinct active users (its Monday, as the dashboard's week buckets), counted
    from its rolled-up days' `daily_active_users` each time one of them is rolled up: the
    dashboard reads it for a week whose every day is rolled up. Rolling up a day upserts its
    week's row first, so that the days of one week in two months take turns counting it."""

    __tablename__ = "weekly_active_counts"

    week: Mapped[date] = mapped_column(primary_key=True)
    users: Mapped[int] = mapped_column(Integer)


class Broadcast(Base):
    """A message an owner sends to an audience of users (SPEC §3.7): its content, who sent it,
    and where sending stands. Its recipients are rows of `broadcast_recipients`."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign key, like the audit log: the record outlives the account.
    admin_account_id: Mapped[int | None] = mapped_column(Integer)
    admin_username: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, sent with parse_mode HTML
    # An optional photo or document, kept here so that every replica can send it; once
    # Telegram has it, its file_id is sent instead of the bytes.
    media_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    media_name: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(127))
    media_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    media_file_id: Mapped[str | None] = mapped_column(String(255))
    buttons: Mapped[list] = mapped_column(JSON, default=list)  # [{"text", "url"}], one a row
    audience: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # sending | paused | cancelled | done
    total: Mapped[int] = mapped_column(Integer)
    # Sending is held until then, on every replica, after a 429's retry_after.
    hold_until: Mapped[datetime | None]
    # The next free send slot: workers take slots in turns, so the replicas together keep
    # to the rate.
    next_slot_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_broadcasts_state", "state", "id"),)


class BroadcastRecipient(Base):
    """One user a broadcast goes to; `sent` is committed right after Telegram accepts it."""

    __tablename__ = "broadcast_recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # pending | sent | blocked | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # A worker's claim: others leave the row alone until it has passed (a crashed worker's
    # rows are taken over then).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_recipients_user"),
        Index("ix_broadcast_recipients_state", "broadcast_id", "state", "id"),
    )


class MaintenancePeriod(Base):
    """A time the bot was down for maintenance; the one without `ended_at` is in force."""

    __tablename__ = "maintenance_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # When the bot is expected back, as the operator wrote it; shown in the users' notice.
    note: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(64))


class MaintenanceNotice(Base):
    """A user told of a maintenance period: told once per period, and told again at its end
    if the operator asks."""

    __tablename__ = "maintenance_notices"

    period_id: Mapped[int] = mapped_column(ForeignKey("maintenance_periods.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FloodNotice(Base):
    """A chat told that its updates are being dropped; removed by the first one handled after,
    so a burst gets one notice."""

    __tablename__ = "flood_notices"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)
