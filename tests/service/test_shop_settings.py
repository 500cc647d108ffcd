"""The shop's settings on a real SQLite database: the environment's values until an owner edits
one, every change checked (nothing written when a value is refused) and audited with only what
changed, and the next quote through the real Quoter and the sandbox carrier priced, filtered and
kept by the settings of the moment; the panel's form reads back what it shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.db.models import AuditEntry, ShopSettingsRecord, User, utcnow
from shipbot.domain.address import Address
from shipbot.domain.orders import DEFAULT_REFUND_WINDOW_DAYS
from shipbot.domain.parcel import PRESETS
from shipbot.domain.pricing import Markup
from shipbot.providers.carriers.base import NoRates, Shipment
from shipbot.providers.carriers.sandbox import SandboxCarrier
from shipbot.services import quoting, settings_form, shop_settings
from shipbot.services.audit import Actor
from shipbot.services.shop_settings import InvalidSettings, StaleSettings, initial_settings

OWNER = Actor(account_id=1, username="owner", client_address="192.0.2.7")
SHIPMENT = Shipment(
    ship_from=Address("John Smith", "215 Clayton St", "San Francisco", "CA", "94117"),
    ship_to=Address("Jane Doe", "350 5th Ave", "New York", "NY", "10118"),
    ounces=Decimal("40"),
    dimensions=PRESETS["medium"],
)
ENVIRONMENT = initial_settings(
    load_settings(
        _env_file=None,
        markup_percent="10",
        markup_flat="0",
        min_price="0",
        markup_carriers='{"fedex": {"percent": "15"}}',
        support_contact="@env_support",
        quote_ttl_minutes="15",
    )
)


@pytest.fixture
async def database(migrated_url):
    database = Database(migrated_url)
    async with database.transaction() as session:
        now = utcnow()
        session.add(User(id=1, first_name="Ann", created_at=now, last_seen_at=now))
    yield database
    await database.dispose()


async def read(database: Database, defaults=ENVIRONMENT) -> shop_settings.ShopSettings:
    async with database.transaction() as session:
        return await shop_settings.current(session, defaults)


async def audit_rows(database: Database) -> list[AuditEntry]:
    async with database.transaction() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def quote(database: Database) -> list[quoting.PricedRate]:
    """A new quote, as the rates flow makes it: the settings read, then the carrier asked."""
    quoter = quoting.Quoter(SandboxCarrier(), ENVIRONMENT)
    async with database.transaction() as session:
        shop = await shop_settings.current(session, quoter.defaults)
        user = await session.get(User, 1)
        made = await quoting.quote_shipment(session, quoter, user, SHIPMENT, shop)
    return quoting.rates_of(made)


def percent_of(cents: int, percent: int) -> int:
    return int((Decimal(cents) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))


async def test_the_environment_gives_every_value_until_an_owner_edits_one(database):
    assert await read(database) == ENVIRONMENT
    assert (await read(database)).version == 0

    await shop_settings.change(database, ENVIRONMENT, OWNER, markup_percent=Decimal("12.5"))
    # After a restart with other environment values, the edited field keeps the database's.
    restarted = replace(ENVIRONMENT, markup_percent=Decimal(30), support_contact="@new_env")
    shop = await read(database, restarted)
    assert shop.markup_percent == Decimal("12.5")
    assert shop.support_contact == "@new_env"
    assert shop.version == 1 and shop.changed_at is not None


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"markup_percent": "ten"}, "markup_percent", "not a percentage"),
        ({"markup_percent": Decimal(-1)}, "markup_percent", "between 0 and 1000"),
        ({"markup_flat_cents": -50}, "markup_flat_cents", "between 0 and"),
        ({"minimum_cents": Decimal("4.99")}, "minimum_cents", "not an amount in cents"),
        ({"markup_by_carrier": {"U P S": Markup()}}, "markup_by_carrier", "not a carrier"),
        (
            {"markup_by_service": {"ups_ground": Markup(Decimal(5), -1)}},
            "markup_by_service",
            "ups_ground: -1 cents",
        ),
        ({"offered_carriers": {"ups", "fed ex"}}, "offered_carriers", "'fed ex' is not a"),
        ({"offered_services": "ups_ground"}, "offered_services", "a list of codes"),
        ({"refund_window_days": {"ups": 400}}, "refund_window_days", "from 0 to 365"),
        ({"support_contact": "   "}, "support_contact", "must not be empty"),
        ({"support_contact": "@a\n@b"}, "support_contact", "one line"),
        ({"quote_ttl_minutes": 0}, "quote_ttl_minutes", "between 1 and 1440"),
        ({"quote_ttl_minutes": 1441}, "quote_ttl_minutes", "between 1 and 1440"),
        ({"support_adjustment_limit_cents": -1}, "support_adjustment_limit_cents", "between"),
        ({"maintenance": True}, "maintenance", "is not a setting"),
    ],
)
async def test_a_refused_value_is_named_with_its_problem_and_nothing_is_written(
    database, changes, field, problem
):
    with pytest.raises(InvalidSettings) as refused:
        # The valid change beside it is not written either.
        await shop_settings.change(
            database, ENVIRONMENT, OWNER, carrier_balance_warning_cents=5_00, **changes
        )
    assert isinstance(refused.value, ValueError)
    assert list(refused.value.errors) == [field]
    assert problem in refused.value.errors[field]
    assert field in str(refused.value)
    assert await read(database) == ENVIRONMENT
    assert await audit_rows(database) == []


async def test_a_change_is_one_audit_row_with_only_the_fields_it_changed(database):
    changed = await shop_settings.change(
        database,
        ENVIRONMENT,
        OWNER,
        reason="winter prices",
        markup_percent=Decimal(20),
        markup_by_service={"ups_ground": Markup(Decimal(5), 50)},
        offered_carriers=["ups", "USPS"],
        quote_ttl_minutes=15,  # as it already is
    )
    assert changed == await read(database)
    assert changed.offered_carriers == {"ups", "usps"}
    (entry,) = await audit_rows(database)
    assert (entry.action, entry.target_type, entry.target_id) == (
        "settings_change",
        "settings",
        "1",
    )
    assert (entry.admin_username, entry.client_address, entry.reason) == (
        "owner",
        "192.0.2.7",
        "winter prices",
    )
    assert entry.before == {
        "markup_percent": "10",
        "markup_by_service": {},
        "offered_carriers": [],
    }
    assert entry.after == {
        "markup_percent": "20",
        "markup_by_service": {"ups_ground": {"percent": "5", "flat": "0.50"}},
        "offered_carriers": ["ups", "usps"],
    }

    # Saving the same values again changes nothing and records nothing.
    same = await shop_settings.change(database, ENVIRONMENT, OWNER, markup_percent=Decimal("20.0"))
    assert same.version == 1
    assert len(await audit_rows(database)) == 1


async def test_a_change_made_on_a_form_shown_before_another_change_is_refused(database):
    shown = await read(database)
    await shop_settings.change(database, ENVIRONMENT, OWNER, support_contact="@first")
    with pytest.raises(StaleSettings):
        await shop_settings.change(
            database,
            ENVIRONMENT,
            OWNER,
            expected_version=shown.version,
            support_contact="@second",
        )
    assert (await read(database)).support_contact == "@first"
    assert len(await audit_rows(database)) == 1


async def test_the_next_quote_uses_the_new_markup(database):
    before = {rate.service_code: rate for rate in await quote(database)}
    for rate in before.values():
        percent = 15 if rate.carrier_code == "fedex" else 10
        assert rate.price_cents == rate.carrier_total_cents + percent_of(
            rate.carrier_total_cents, percent
        )

    await shop_settings.change(
        database,
        ENVIRONMENT,
        OWNER,
        markup_percent=Decimal(25),
        markup_flat_cents=1_00,
        markup_by_carrier={},
        markup_by_service={"ups_ground": Markup(Decimal(0), 2_00)},
        minimum_cents=15_00,
    )
    after = {rate.service_code: rate for rate in await quote(database)}
    assert "ups_ground" in after
    for code, rate in after.items():
        marked_up = rate.carrier_total_cents + (
            2_00 if code == "ups_ground" else percent_of(rate.carrier_total_cents, 25) + 1_00
        )
        assert rate.price_cents == max(marked_up, 15_00), code
    assert after["ups_ground"].price_cents != before["ups_ground"].price_cents


async def test_a_quote_made_before_a_change_is_not_reused(database):
    await quote(database)
    async with database.transaction() as session:
        assert await quoting.valid_quote(session, 1, SHIPMENT, None) is not None
    await shop_settings.change(database, ENVIRONMENT, OWNER, markup_percent=Decimal(11))
    shop = await read(database)
    async with database.transaction() as session:
        assert await quoting.valid_quote(session, 1, SHIPMENT, shop.changed_at) is None


async def test_services_and_carriers_not_offered_are_not_quoted(database):
    everything = {rate.service_code for rate in await quote(database)}
    assert "ups_ground" in everything

    offered = everything - {"ups_ground"}
    await shop_settings.change(database, ENVIRONMENT, OWNER, offered_services=offered)
    assert {rate.service_code for rate in await quote(database)} == offered

    await shop_settings.change(
        database, ENVIRONMENT, OWNER, offered_services=[], offered_carriers=["usps"]
    )
    rates = await quote(database)
    assert rates and {rate.carrier_code for rate in rates} == {"usps"}

    await shop_settings.change(database, ENVIRONMENT, OWNER, offered_carriers=["dhl_express"])
    with pytest.raises(NoRates):
        await quote(database)


async def test_the_quote_lifetime_is_the_current_one(database):
    await shop_settings.change(database, ENVIRONMENT, OWNER, quote_ttl_minutes=3)
    quoter = quoting.Quoter(SandboxCarrier(), ENVIRONMENT)
    async with database.transaction() as session:
        shop = await shop_settings.current(session, quoter.defaults)
        user = await session.get(User, 1)
        made = await quoting.quote_shipment(session, quoter, user, SHIPMENT, shop)
    assert made.expires_at - made.created_at == timedelta(minutes=3)


async def test_a_stored_value_a_rule_now_refuses_falls_back_to_the_environment(database):
    async with database.transaction() as session:
        record = await session.get(ShopSettingsRecord, 1)
        record.edits = {"markup_percent": "-3", "support_contact": "@stored", "gone": 1}
    shop = await read(database)
    assert shop.markup_percent == ENVIRONMENT.markup_percent
    assert shop.support_contact == "@stored"


async def test_one_row_holds_the_settings(database):
    await shop_settings.change(database, ENVIRONMENT, OWNER, support_contact="@a")
    await shop_settings.change(database, ENVIRONMENT, OWNER, support_contact="@b")
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ShopSettingsRecord)) == 1


def test_every_setting_is_editable_and_on_the_form():
    names = {name for name in ENVIRONMENT.__dataclass_fields__} - {"version", "changed_at"}
    assert set(shop_settings.RULES) == names
    assert set(settings_form.FIELD_NAMES) == names


def test_the_form_reads_back_what_it_shows():
    shop = replace(
        ENVIRONMENT,
        markup_percent=Decimal("12.5"),
        markup_flat_cents=1_25,
        markup_by_carrier={"ups": Markup(Decimal(12), 50), "usps": Markup(flat_cents=30)},
        markup_by_service={"fedex_2day": Markup(Decimal("7.5"))},
        offered_carriers=frozenset({"ups", "usps"}),
        refund_window_days={**DEFAULT_REFUND_WINDOW_DAYS, "ups": 60},
    )
    shown = settings_form.form_values(shop)
    assert shown["markup_by_carrier"] == "ups: 12% + $0.50\nusps: $0.30"
    assert shown["markup_flat_cents"] == "1.25"
    assert shown["offered_carriers"] == "ups, usps"
    assert shown["offered_services"] == ""
    parsed = settings_form.parse_form({**shown, "csrf_token": "x", "reason": "why"})
    assert shop_settings.validate(parsed) == {
        name: getattr(shop, name) for name in settings_form.FIELD_NAMES
    }


def test_the_form_names_each_field_it_cannot_read():
    with pytest.raises(InvalidSettings) as refused:
        settings_form.parse_form(
            {
                "markup_percent": "ten",
                "markup_flat_cents": "-1",
                "markup_by_carrier": "ups: 12",
                "refund_window_days": "ups 90",
                "quote_ttl_minutes": "15.5",
                "support_contact": "@fine",
            }
        )
    errors = refused.value.errors
    assert set(errors) == {
        "markup_percent",
        "markup_flat_cents",
        "markup_by_carrier",
        "refund_window_days",
        "quote_ttl_minutes",
    }
    assert "ups: '12': write 12% for a percent" in errors["markup_by_carrier"]
    assert "line 1" in errors["refund_window_days"]
    assert settings_form.parse_form({"offered_services": "ups_ground,  usps_priority_mail\n"}) == {
        "offered_services": {"ups_ground", "usps_priority_mail"}
    }
