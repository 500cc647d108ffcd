"""G7: bad configuration is refused with the variable's name and the problem."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shipbot.config import ConfigError, load_settings
from shipbot.services.shop_settings import initial_settings

TOKEN = "123456789:" + "A" * 35
SECRET = "s" * 32


def settings(**env: str):
    return load_settings(_env_file=None, **env)


def refused(**env: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings(**env)
    return caught.value


@pytest.mark.parametrize(
    ("env", "variable", "problem"),
    [
        ({"bot_token": "12345"}, "BOT_TOKEN", "is not a bot token"),
        ({"bot_token": TOKEN + " " + TOKEN}, "BOT_TOKEN", "is not a bot token"),
        ({"telegram_api_url": "api.telegram.org"}, "TELEGRAM_API_URL", "must start with http"),
        ({"webhook_base_url": "example.com"}, "WEBHOOK_BASE_URL", "must start with http"),
        (
            {"webhook_base_url": "https://a.example.comhttps://b.example.com"},
            "WEBHOOK_BASE_URL",
            "two URLs glued together",
        ),
        (
            {"webhook_base_url": "https://a.example.com WEBHOOK_SECRET=x"},
            "WEBHOOK_BASE_URL",
            "whitespace",
        ),
        (
            {"webhook_base_url": "https://bot.example.com/api/telegram/webhook"},
            "WEBHOOK_BASE_URL",
            "is the base URL only",
        ),
        ({"webhook_base_url": "http://bot.example.com"}, "WEBHOOK_BASE_URL", "must use https://"),
        ({"webhook_secret": "short"}, "WEBHOOK_SECRET", "16-256 characters"),
        ({"webhook_secret": "has spaces in it, lots of them"}, "WEBHOOK_SECRET", "16-256"),
        ({"database_url": "mysql://db/shipbot"}, "DATABASE_URL", "unsupported database"),
        (
            {"database_url": "sqlite:///a.dbpostgresql://b/c"},
            "DATABASE_URL",
            "must be one URL",
        ),
        ({"admin_chat_id": "not-a-number"}, "ADMIN_CHAT_ID", "valid integer"),
        ({"admin_api_token": "short"}, "ADMIN_API_TOKEN", "at least 24 characters"),
        ({"log_format": "xml"}, "LOG_FORMAT", "'text' or 'json'"),
        ({"webhook_max_connections": "500"}, "WEBHOOK_MAX_CONNECTIONS", "between 1 and 100"),
        ({"shipstation_api_key": "short"}, "SHIPSTATION_API_KEY", "16+ characters"),
        ({"shipstation_api_url": "api.shipstation.com"}, "SHIPSTATION_API_URL", "http"),
        ({"sandbox_carrier_latency": "-1"}, "SANDBOX_CARRIER_LATENCY", "between 0 and 120"),
        ({"quote_ttl_minutes": "0"}, "QUOTE_TTL_MINUTES", "between 1 and 1440"),
        ({"markup_percent": "ten"}, "MARKUP_PERCENT", "not a percentage"),
        ({"markup_flat": "-0.50"}, "MARKUP_FLAT", "not an amount in dollars"),
        ({"min_price": "4.999"}, "MIN_PRICE", "not an amount in dollars"),
        ({"markup_carriers": "{ups: 12}"}, "MARKUP_CARRIERS", "must be JSON"),
        ({"oxapay_merchant_key": "short"}, "OXAPAY_MERCHANT_KEY", "16+ characters"),
        ({"oxapay_api_url": "oxapay.com"}, "OXAPAY_API_URL", "http"),
        ({"invoice_lifetime_minutes": "5"}, "INVOICE_LIFETIME_MINUTES", "between 15 and 2880"),
        ({"invoice_poll_seconds": "0"}, "INVOICE_POLL_SECONDS", "between 1 and 3600"),
        ({"purchase_grace_seconds": "0"}, "PURCHASE_GRACE_SECONDS", "between 1 and 3600"),
        ({"flood_limit": "0"}, "FLOOD_LIMIT", "between 1 and 1000"),
        ({"flood_window_seconds": "0"}, "FLOOD_WINDOW_SECONDS", "between 1 and 3600"),
        ({"flood_window_seconds": "ten"}, "FLOOD_WINDOW_SECONDS", "integer"),
        ({"markup_services": '{"ups_ground": {"pct": "5"}}'}, "MARKUP_SERVICES", "ups_ground"),
        ({"refund_window_days": "usps=28"}, "REFUND_WINDOW_DAYS", "must be JSON"),
        ({"refund_window_days": "{}"}, "REFUND_WINDOW_DAYS", "JSON object"),
        ({"refund_window_days": '{"ups": 400}'}, "REFUND_WINDOW_DAYS", "ups: days"),
        ({"refund_window_days": '{"ups": "90"}'}, "REFUND_WINDOW_DAYS", "whole number"),
        ({"refund_window_days": '{"u p s": 9}'}, "REFUND_WINDOW_DAYS", "not a carrier"),
        ({"markup_carriers": '{"ups": {"percent": "-1"}}'}, "MARKUP_CARRIERS", "ups: '-1'"),
        ({"support_contact": "  "}, "SUPPORT_CONTACT", "must not be empty"),
    ],
)
def test_bad_values_name_the_variable_and_the_problem(env, variable, problem):
    error = refused(**env)
    assert error.variable == variable
    assert problem in error.problem
    assert "\n" not in str(error)


def test_http_webhook_is_allowed_for_a_local_bot_api():
    loaded = settings(
        telegram_api_url="http://127.0.0.1:8081", webhook_base_url="http://127.0.0.1:8000/"
    )
    assert loaded.webhook_url == "http://127.0.0.1:8000/api/telegram/webhook"


def test_database_url_is_normalised_to_async_drivers():
    assert (
        settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    )
    assert settings(database_url="postgres://u@h/db").is_postgres
    assert settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    assert settings().database_url == "sqlite+aiosqlite:///./data/shipbot.db"


def test_required_values_are_named_when_missing():
    loaded = settings(bot_token=TOKEN)
    with pytest.raises(ConfigError) as caught:
        loaded.require("bot_token", "webhook_secret")
    assert caught.value.variable == "WEBHOOK_SECRET"
    assert "required" in caught.value.problem


def test_valid_configuration_loads():
    loaded = settings(
        bot_token=TOKEN,
        webhook_base_url="https://bot.example.com",
        webhook_secret=SECRET,
        admin_chat_id="-1001234567890",
        log_format="json",
    )
    assert loaded.bot_id == 123456789
    assert loaded.admin_chat_id == -1001234567890
    assert loaded.require("bot_token", "webhook_secret") == TOKEN


def test_pricing_rules_come_from_the_settings():
    rules = initial_settings(
        settings(
            markup_percent="12.5",
            markup_flat="0.25",
            min_price="4.99",
            markup_carriers='{"ups": {"percent": "20"}}',
            markup_services='{"usps_ground_advantage": {"flat": "1"}}',
        )
    ).pricing
    assert (rules.markup.percent, rules.markup.flat_cents, rules.minimum_cents) == (
        Decimal("12.5"),
        25,
        499,
    )
    assert rules.markup_for("ups", "ups_ground").percent == Decimal(20)
    assert rules.markup_for("usps", "usps_ground_advantage").flat_cents == 100


def test_refund_windows_come_from_the_settings():
    purchased = datetime(2026, 11, 1, tzinfo=UTC)
    default = initial_settings(settings()).refund_windows
    assert default.deadline("usps", purchased) == purchased + timedelta(days=28)
    assert default.deadline("fedex", purchased) == purchased + timedelta(days=90)
    edited = settings(refund_window_days='{"USPS": 10, "ups": 30}')
    windows = initial_settings(edited).refund_windows
    assert windows.deadline("usps", purchased) == purchased + timedelta(days=10)
    assert windows.deadline("ups", purchased) == purchased + timedelta(days=30)
    # The carriers the setting does not name keep their defaults...
    assert windows.deadline("fedex", purchased) == purchased + timedelta(days=90)
    # ...and a carrier with no window at all gets the shortest there is.
    assert windows.deadline("dhl_express", purchased) == purchased + timedelta(days=10)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REFUND_WINDOW_DAYS", "usps=28"),
        ("MARKUP_CARRIERS", "{ups: 12}"),
        ("MARKUP_SERVICES", "not json"),
    ],
)
def test_malformed_json_in_the_environment_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None)
    assert refused.value.variable == variable
    assert "must be JSON" in refused.value.problem


def test_the_shipstation_key_is_never_shown():
    loaded = settings(shipstation_api_key="KEY_0123456789abcdef")
    assert "KEY_0123456789abcdef" not in repr(loaded) + str(loaded)
    assert loaded.shipstation_api_key.get_secret_value() == "KEY_0123456789abcdef"
