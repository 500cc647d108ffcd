"""The shop's settings (SPEC §3.2, §4): markup, the carriers and services offered, refund
windows, the support contact, the quote lifetime, and two limits the admin panel applies.

The environment gives the initial values (`initial_settings`); a field an owner edits is stored
in the database and wins from then on. Nothing is cached: each quote, purchase and /help reads
the stored edits (one primary-key SELECT), so a change takes effect at the next quote on every
replica, without a restart or a cache to invalidate.

The edits are one row holding a JSON document and a version. A read is one lookup by primary
key; a change locks that row, so concurrent changes queue up, each one written with its audit
record in one transaction, whose "before" is exactly what it replaced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import ShopSettingsRecord, utcnow
from shipbot.domain import shop_rules
from shipbot.domain.money import format_dollars
from shipbot.domain.orders import RefundWindows
from shipbot.domain.pricing import Markup, PricingRules
from shipbot.services import audit
from shipbot.services.audit import Actor

if TYPE_CHECKING:
    from shipbot.config import Settings

log = logging.getLogger(__name__)
ROW_ID = 1
AUDIT_ACTION = "settings_change"


@dataclass(frozen=True)
class ShopSettings:
    markup_percent: Decimal
    markup_flat_cents: int
    minimum_cents: int
    markup_by_carrier: Mapping[str, Markup]  # "ups" → Markup
    markup_by_service: Mapping[str, Markup]  # "ups_ground" → Markup
    refund_window_days: Mapping[str, int]  # by carrier code; fixed on a label when bought
    support_contact: str
    quote_ttl_minutes: int
    # Empty: everything the carrier provider offers.
    offered_carriers: frozenset[str] = frozenset()
    offered_services: frozenset[str] = frozenset()
    # The most a `support` admin may adjust a balance by, either way.
    support_adjustment_limit_cents: int = 50_00
    # The panel warns when a carrier account's balance falls below this.
    carrier_balance_warning_cents: int = 100_00
    # Of the stored edits: 0 and None until the first change.
    version: int = field(default=0, compare=False)
    changed_at: datetime | None = field(default=None, compare=False)

    @property
    def pricing(self) -> PricingRules:
        return PricingRules(
            markup=Markup(self.markup_percent, self.markup_flat_cents),
            minimum_cents=self.minimum_cents,
            by_carrier=self.markup_by_carrier,
            by_service=self.markup_by_service,
        )

    @property
    def refund_windows(self) -> RefundWindows:
        return RefundWindows(self.refund_window_days)

    @property
    def quote_ttl(self) -> timedelta:
        return timedelta(minutes=self.quote_ttl_minutes)

    def offers(self, carrier_code: str, service_code: str) -> bool:
        return (not self.offered_carriers or carrier_code in self.offered_carriers) and (
            not self.offered_services or service_code in self.offered_services
        )


# The rule each editable field's value must pass, typed or as stored (shipbot/domain/shop_rules.py).
RULES: dict[str, Callable[[Any], Any]] = {
    "markup_percent": shop_rules.percent,
    "markup_flat_cents": shop_rules.amount_cents,
    "minimum_cents": shop_rules.amount_cents,
    "markup_by_carrier": shop_rules.markup_overrides,
    "markup_by_service": shop_rules.markup_overrides,
    "refund_window_days": shop_rules.refund_window_days,
    "support_contact": shop_rules.support_contact,
    "quote_ttl_minutes": shop_rules.quote_ttl_minutes,
    "offered_carriers": shop_rules.codes,
    "offered_services": shop_rules.codes,
    "support_adjustment_limit_cents": shop_rules.amount_cents,
    "carrier_balance_warning_cents": shop_rules.amount_cents,
}


class InvalidSettings(ValueError):
    """Values that break a rule, by field name; nothing was changed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in errors.items()))
        self.errors = errors


class StaleSettings(ValueError):
    """Someone changed the settings since the form was shown; nothing was changed."""

    def __init__(self, expected: int, found: int) -> None:
        super().__init__(
            f"the settings changed since version {expected} was shown (now {found}); "
            "reload them and make the change again"
        )


def initial_settings(settings: Settings) -> ShopSettings:
    """The environment's values, in force until an owner edits them."""
    return ShopSettings(
        markup_percent=settings.markup_percent,
        markup_flat_cents=settings.markup_flat,
        minimum_cents=settings.min_price,
        markup_by_carrier=settings.markup_carriers,
        markup_by_service=settings.markup_services,
        refund_window_days=settings.refund_window_days,
        support_contact=settings.support_contact,
        quote_ttl_minutes=settings.quote_ttl_minutes,
    )


async def current(session: AsyncSession, defaults: ShopSettings) -> ShopSettings:
    """The stored edits over `defaults` (the environment's: `initial_settings`); one query."""
    row = (
        await session.execute(
            select(
                ShopSettingsRecord.edits,
                ShopSettingsRecord.version,
                ShopSettingsRecord.updated_at,
            ).where(ShopSettingsRecord.id == ROW_ID)
        )
    ).one_or_none()
    if row is None:
        return defaults
    return _with_edits(defaults, row.edits, row.version, row.updated_at)


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Each change checked by its field's rule; all problems at once, by field name."""
    checked, errors = {}, {}
    for name, value in changes.items():
        rule = RULES.get(name)
        if rule is None:
            errors[name] = "is not a setting"
            continue
        try:
            checked[name] = rule(value)
        except ValueError as problem:
            errors[name] = str(problem)
    if errors:
        raise InvalidSettings(errors)
    return checked


async def change(
    database: Database,
    defaults: ShopSettings,
    actor: Actor,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> ShopSettings:
    """Validate and store `changes` (field name → typed value) with one audit row naming only
    the fields whose value changes. Raises InvalidSettings (or StaleSettings when
    `expected_version` is not the stored one) and then changes nothing."""
    checked = validate(changes)
    async with database.write_transaction() as session:
        record = await session.scalar(
            select(ShopSettingsRecord).where(ShopSettingsRecord.id == ROW_ID).with_for_update()
        )
        if record is None:  # a database whose row was removed by hand
            record = ShopSettingsRecord(id=ROW_ID, version=0, edits={})
            session.add(record)
        before = _with_edits(defaults, record.edits, record.version, record.updated_at)
        if expected_version is not None and expected_version != record.version:
            raise StaleSettings(expected_version, record.version)
        changed = {name: value for name, value in checked.items() if getattr(before, name) != value}
        if not changed:
            return before
        stored = {name: _to_json(value) for name, value in changed.items()}
        record.edits = {**record.edits, **stored}
        record.version += 1
        record.updated_at = utcnow()
        record.updated_by = actor.username or actor.client_address
        audit.record(
            session,
            actor,
            AUDIT_ACTION,
            target_type="settings",
            target_id=record.version,
            before={name: _to_json(getattr(before, name)) for name in changed},
            after=stored,
            reason=reason,
        )
    return replace(before, **changed, version=record.version, changed_at=record.updated_at)


def _with_edits(
    defaults: ShopSettings, edits: Mapping[str, Any], version: int, changed_at: datetime | None
) -> ShopSettings:
    values = {}
    for name, stored in edits.items():
        rule = RULES.get(name)
        if rule is None:
            continue  # a field a later version no longer has
        try:
            values[name] = rule(stored)
        except ValueError as problem:
            # Stored under an older rule: the environment's value rather than no quotes at all.
            log.error("stored setting %s ignored: %s", name, problem)
    return replace(defaults, **values, version=version, changed_at=changed_at)


def _to_json(value: Any) -> Any:
    """As stored and audited, in the form the rules read back (amounts in a markup in dollars,
    as in the environment's JSON)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Mapping):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, Markup):
        return {"percent": _to_json(value.percent), "flat": format_dollars(value.flat_cents)}
    return value
