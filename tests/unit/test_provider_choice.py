"""Sandbox providers are an explicit choice, never a fallback for a missing key (issue 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from shipbot.config import ConfigError, load_settings
from shipbot.db.database import Database
from shipbot.providers.payments import build_payments, signing
from shipbot.sandbox.emulator import SANDBOX_TOKEN
from shipbot.sandbox.run import sandbox_settings

REAL_KEYS = {
    "oxapay_merchant_key": "oxapay-merchant-0123456789",
    "shipstation_api_key": "shipstation-0123456789abcdef",
    "shipper_phone": "+1 512 555 0199",  # not a key, but what CARRIER_PROVIDER=shipstation needs
}
TEST_KEY = "a-sandbox-key-given-to-this-process"
ROOT = Path(__file__).parents[2]
SANDBOX_MODULES = ("shipbot.sandbox", "shipbot.providers.payments.sandbox")


def settings(**values: object):
    return load_settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("values", "variable", "problem"),
    [
        ({}, "PAYMENT_PROVIDER", "is required: oxapay or sandbox"),
        # A key alone picks nothing: forgetting the choice must not fall back to anything.
        (REAL_KEYS, "PAYMENT_PROVIDER", "is required: oxapay or sandbox"),
        ({"payment_provider": "sandbox"}, "CARRIER_PROVIDER", "is required"),
        (
            {"payment_provider": "oxapay", "carrier_provider": "shipstation"},
            "OXAPAY_MERCHANT_KEY",
            "is required with PAYMENT_PROVIDER=oxapay",
        ),
        (
            {
                "payment_provider": "oxapay",
                "carrier_provider": "shipstation",
                "oxapay_merchant_key": REAL_KEYS["oxapay_merchant_key"],
            },
            "SHIPSTATION_API_KEY",
            "is required with CARRIER_PROVIDER=shipstation",
        ),
        (
            {
                "payment_provider": "oxapay",
                "carrier_provider": "shipstation",
                **{k: v for k, v in REAL_KEYS.items() if k != "shipper_phone"},
            },
            "SHIPPER_PHONE",
            "is required with CARRIER_PROVIDER=shipstation: ShipStation needs a phone on every",
        ),
        (
            {"payment_provider": "sandbox", "carrier_provider": "shipstation", **REAL_KEYS},
            "PAYMENT_PROVIDER",
            "is sandbox but CARRIER_PROVIDER is shipstation",
        ),
        (
            {"payment_provider": "oxapay", "carrier_provider": "sandbox", **REAL_KEYS},
            "PAYMENT_PROVIDER",
            "is oxapay but CARRIER_PROVIDER is sandbox",
        ),
    ],
)
def test_providers_must_be_chosen_with_their_keys(values, variable, problem):
    with pytest.raises(ConfigError) as refused:
        settings(**values).require_providers()
    assert refused.value.variable == variable
    assert problem in refused.value.problem


@pytest.mark.parametrize("variable", ["PAYMENT_PROVIDER", "CARRIER_PROVIDER"])
def test_an_unknown_provider_names_the_variable(monkeypatch, variable):
    monkeypatch.setenv(variable, "stripe")
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None)
    assert refused.value.variable == variable


async def test_the_sandbox_merchant_key_is_random_unless_given(tmp_path):
    chosen = settings(payment_provider="sandbox", carrier_provider="sandbox")
    given = chosen.model_copy(update={"sandbox_merchant_key": SecretStr(TEST_KEY)})
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")  # never connected
    built = [build_payments(choice, database) for choice in (chosen, chosen, given)]
    first, second, with_key = (payments.provider for payments in built)
    body = b'{"track_id": "sbx-1"}'

    # No key written in the source signs for a sandbox that was not given one...
    for key in ("sandbox-merchant-key", TEST_KEY):
        assert not first.verify_callback(body, signing.sign(body, key))
    # ...and each process draws its own.
    assert first.verify_callback(body, signing.sign(body, first._key))
    assert not second.verify_callback(body, signing.sign(body, first._key))
    assert with_key.verify_callback(body, signing.sign(body, TEST_KEY))
    for provider in (first, second, with_key):
        await provider.close()
    await database.dispose()


def _routes_and_modules(env: dict[str, str]) -> dict:
    """Build the app exactly as `shipbot serve` does, in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from shipbot.config import load_settings\n"
        "from shipbot.web.app import create_app\n"
        "from tests.support.routes import route_paths\n"
        "app = create_app(load_settings(_env_file=None), register_webhook=False)\n"
        "print(json.dumps({'routes': route_paths(app),\n"
        "    'modules': sorted(m for m in sys.modules if m.startswith('shipbot'))}))\n"
    )
    base = {
        "BOT_TOKEN": "123456789:TESTtestTESTtestTESTtestTESTtestTES",
        "WEBHOOK_BASE_URL": "https://bot.example.com",
        "WEBHOOK_SECRET": "integration-secret-0123456789abcdef",
    }
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PAYMENT_", "CARRIER_", "OXAPAY_", "SHIPSTATION_", "SANDBOX_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**environment, **base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout)


def test_an_app_with_real_payments_has_no_sandbox_route_or_code():
    real = _routes_and_modules(
        {
            "PAYMENT_PROVIDER": "oxapay",
            "OXAPAY_MERCHANT_KEY": REAL_KEYS["oxapay_merchant_key"],
            "CARRIER_PROVIDER": "shipstation",
            "SHIPSTATION_API_KEY": REAL_KEYS["shipstation_api_key"],
            "SHIPPER_PHONE": REAL_KEYS["shipper_phone"],
        }
    )
    assert "/api/payments/oxapay/callback" in real["routes"]
    assert [path for path in real["routes"] if "sandbox" in path] == []
    assert [m for m in real["modules"] if m.startswith(SANDBOX_MODULES)] == []

    # The same enumeration finds the page when the sandbox is chosen, so it can see one.
    sandbox = _routes_and_modules({"PAYMENT_PROVIDER": "sandbox", "CARRIER_PROVIDER": "sandbox"})
    assert "/sandbox/pay/{track_id}" in sandbox["routes"]


def test_serve_without_a_provider_choice_stops_naming_the_variable(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "shipbot", "serve"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "CARRIER_"))},
            "BOT_TOKEN": "123456789:TESTtestTESTtestTESTtestTESTtestTES",
            "WEBHOOK_BASE_URL": "https://bot.example.com",
            "WEBHOOK_SECRET": "integration-secret-0123456789abcdef",
            "OXAPAY_MERCHANT_KEY": REAL_KEYS["oxapay_merchant_key"],
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "shipbot: configuration error: PAYMENT_PROVIDER: is required: oxapay or sandbox"
    ]


def test_the_sandbox_chooses_sandbox_providers_over_the_environment():
    chosen = sandbox_settings(
        settings(payment_provider="oxapay", carrier_provider="shipstation", **REAL_KEYS),
        host="127.0.0.1",
        port=8080,
    )
    assert (chosen.payment_provider.value, chosen.carrier_provider.value) == ("sandbox", "sandbox")
    chosen.require_providers()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "sandbox.example.com"])
def test_the_sandbox_beyond_loopback_needs_an_access_token(host):
    with pytest.raises(ConfigError) as refused:
        sandbox_settings(settings(), host=host, port=8080)
    assert refused.value.variable == "SANDBOX_ACCESS_TOKEN"

    exposed = sandbox_settings(
        settings(sandbox_access_token="an-access-token-0123456789abcdef"), host=host, port=8080
    )
    # The emulated Bot API then answers only to a bot token nobody else knows.
    assert exposed.bot_token != SANDBOX_TOKEN


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_the_sandbox_on_loopback_needs_no_token(host):
    assert sandbox_settings(settings(), host=host, port=8080).bot_token == SANDBOX_TOKEN


def test_an_empty_choice_is_no_choice(monkeypatch):
    monkeypatch.setenv("PAYMENT_PROVIDER", "")
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None).require_providers()
    assert refused.value.variable == "PAYMENT_PROVIDER"


def test_real_providers_with_their_settings_are_accepted():
    chosen = settings(payment_provider="oxapay", carrier_provider="shipstation", **REAL_KEYS)
    chosen.require_providers()
    assert chosen.shipper_phone == "+15125550199"  # E.164, as the phones users type


@pytest.mark.parametrize("phone", ["555-0199", "+44 20 7946 0958", "call me"])
def test_a_shipper_phone_that_is_not_a_us_number_is_refused(phone):
    with pytest.raises(ConfigError) as refused:
        settings(shipper_phone=phone)
    assert refused.value.variable == "SHIPPER_PHONE"
