"""Settings from the environment and `.env`, validated once at start-up.

A bad value stops start-up with one line naming the variable (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shipbot.domain import shop_rules
from shipbot.domain.errors import Rejected
from shipbot.domain.orders import DEFAULT_REFUND_WINDOW_DAYS
from shipbot.domain.phones import clean_phone
from shipbot.domain.pricing import Markup

TELEGRAM_API_URL = "https://api.telegram.org"
WEBHOOK_PATH = "/api/telegram/webhook"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/shipbot.db"
SHIPSTATION_API_URL = "https://api.shipstation.com/v2"
OXAPAY_API_URL = "https://api.oxapay.com/v1"
PAYMENT_CALLBACK_PATH = "/api/payments/oxapay/callback"

_TOKEN_RE = re.compile(r"^\d{3,12}:[A-Za-z0-9_-]{30,64}$")
# Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -; we demand enough to be a secret.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class ConfigError(Exception):
    """A configuration problem, phrased for one line on stderr."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"configuration error: {variable}: {problem}")


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class PaymentProviderChoice(StrEnum):
    OXAPAY = "oxapay"
    SANDBOX = "sandbox"


class CarrierProviderChoice(StrEnum):
    SHIPSTATION = "shipstation"
    SANDBOX = "sandbox"


def _check_url(value: str, *, what: str) -> str:
    value = value.strip()
    if re.search(r"\s", value):
        raise ValueError(f"{what} contains whitespace; was a second value glued on?")
    if value.count("://") > 1:
        raise ValueError(f"{what} contains two URLs glued together")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{what} must start with http:// or https:// (got {value!r})")
    if not parts.hostname:
        raise ValueError(f"{what} has no host (got {value!r})")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} must not carry a query or fragment")
    return value.rstrip("/")


class Settings(BaseSettings):
    """Every variable is documented in `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    webhook_base_url: str | None = None
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = 20
    db_max_overflow: int = 100
    admin_chat_id: int | None = None
    admin_api_token: str | None = None
    # When set, GET /metrics asks for it as a bearer token; unset, /metrics is open.
    metrics_token: str | None = None
    log_format: LogFormat = LogFormat.TEXT
    log_level: str = "INFO"
    support_contact: str = "@shipbot_support"
    # No defaults: a sandbox provider is an explicit choice, never a fallback for a missing key.
    payment_provider: PaymentProviderChoice | None = None
    carrier_provider: CarrierProviderChoice | None = None
    shipstation_api_key: SecretStr | None = None
    shipstation_api_url: str = SHIPSTATION_API_URL
    # ShipStation needs a phone on every address: ours, for an address whose phone was skipped.
    shipper_phone: str | None = None
    sandbox_carrier_latency: float = 0.0
    carrier_timeout: float = 15.0
    quote_ttl_minutes: int = 15
    labels_dir: str = "./data/labels"
    markup_percent: Decimal = Decimal(10)
    markup_flat: int = 0
    min_price: int = 0
    oxapay_merchant_key: SecretStr | None = None
    # Signs the sandbox payment page's callbacks; random per process when unset.
    sandbox_merchant_key: SecretStr | None = None
    # Lets `shipbot sandbox` listen beyond loopback: its chat pages ask for this token.
    sandbox_access_token: str | None = None
    oxapay_api_url: str = OXAPAY_API_URL
    invoice_lifetime_minutes: int = 60
    invoice_poll_seconds: float = 60.0
    purchase_grace_seconds: float = 120.0
    # Broadcast messages a second, all replicas together (Telegram allows a bot about 30).
    broadcast_rate: float = 25.0
    # Flood control: at most this many updates of one user in this many seconds are handled.
    flood_limit: int = 20
    flood_window_seconds: int = 10
    # NoDecode: our validators read the JSON, so a malformed value is reported by its name.
    markup_carriers: Annotated[dict[str, Markup], NoDecode] = {}
    markup_services: Annotated[dict[str, Markup], NoDecode] = {}
    refund_window_days: Annotated[dict[str, int], NoDecode] = DEFAULT_REFUND_WINDOW_DAYS

    @field_validator("bot_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not _TOKEN_RE.match(value):
            raise ValueError(
                "is not a bot token of the form <digits>:<35 characters> "
                "(as given by @BotFather); check for spaces or a second value glued on"
            )
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _check_url(value, what="the Bot API URL")

    @field_validator("webhook_base_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = _check_url(value, what="the public base URL")
        if urlsplit(value).path.rstrip("/").endswith(WEBHOOK_PATH):
            raise ValueError(f"is the base URL only; {WEBHOOK_PATH} is appended by shipbot")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not _SECRET_RE.match(value):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_max_connections")
    @classmethod
    def _max_connections(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError("must be between 1 and 100 (Telegram's limit)")
        return value

    @field_validator("broadcast_rate")
    @classmethod
    def _broadcast_rate(cls, value: float) -> float:
        if not 0 < value <= 30:
            raise ValueError("must be above 0 and at most 30 (Telegram's limit per bot)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if value.count("://") != 1 or re.search(r"\s", value):
            raise ValueError("must be one URL such as sqlite+aiosqlite:///./data/shipbot.db")
        scheme = value.split("://", 1)[0]
        if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if scheme in ("sqlite", "sqlite+aiosqlite"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        raise ValueError(f"unsupported database {scheme!r}; use sqlite:// or postgresql://")

    @field_validator("admin_api_token", "metrics_token", "sandbox_access_token")
    @classmethod
    def _bearer_token(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if len(value) < 24 or re.search(r"\s", value):
            raise ValueError("must be at least 24 characters with no whitespace")
        return value

    @field_validator("payment_provider", "carrier_provider", mode="before")
    @classmethod
    def _provider_choice(cls, value: object) -> object:
        # Left empty (as in .env.example) is not chosen; the commands that need one say so.
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @field_validator(
        "shipstation_api_key", "oxapay_merchant_key", "sandbox_merchant_key", mode="before"
    )
    @classmethod
    def _provider_key(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if isinstance(value, str) and (len(value) < 16 or re.search(r"\s", value)):
            raise ValueError("must be the provider's API key: 16+ characters, no whitespace")
        return value

    @field_validator("shipstation_api_url")
    @classmethod
    def _shipstation_url(cls, value: str) -> str:
        return _check_url(value, what="SHIPSTATION_API_URL")

    @field_validator("shipper_phone")
    @classmethod
    def _shipper_phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return clean_phone(value)
        except Rejected:
            raise ValueError("must be a US phone number, e.g. +1 512 555 0100") from None

    @field_validator("oxapay_api_url")
    @classmethod
    def _oxapay_url(cls, value: str) -> str:
        return _check_url(value, what="OXAPAY_API_URL")

    @field_validator("invoice_lifetime_minutes")
    @classmethod
    def _invoice_lifetime(cls, value: int) -> int:
        if not 15 <= value <= 2880:
            raise ValueError("must be between 15 and 2880 minutes (Oxapay's limits)")
        return value

    @field_validator("invoice_poll_seconds", "purchase_grace_seconds")
    @classmethod
    def _poll_interval(cls, value: float) -> float:
        if not 1 <= value <= 3600:
            raise ValueError("must be a number of seconds between 1 and 3600")
        return value

    @field_validator("flood_limit")
    @classmethod
    def _flood_limit(cls, value: int) -> int:
        if not 1 <= value <= 1000:
            raise ValueError("must be a whole number of updates between 1 and 1000")
        return value

    @field_validator("flood_window_seconds")
    @classmethod
    def _flood_window(cls, value: int) -> int:
        if not 1 <= value <= 3600:
            raise ValueError("must be a whole number of seconds between 1 and 3600")
        return value

    @field_validator("sandbox_carrier_latency", "carrier_timeout")
    @classmethod
    def _seconds(cls, value: float) -> float:
        if not 0 <= value <= 120:
            raise ValueError("must be a number of seconds between 0 and 120")
        return value

    @field_validator("quote_ttl_minutes")
    @classmethod
    def _quote_ttl(cls, value: int) -> int:
        return shop_rules.quote_ttl_minutes(value)

    @field_validator("support_contact")
    @classmethod
    def _support_contact(cls, value: str) -> str:
        return shop_rules.support_contact(value)

    @field_validator("markup_percent", mode="before")
    @classmethod
    def _percent(cls, value: object) -> Decimal:
        return shop_rules.percent(value)

    @field_validator("markup_flat", "min_price", mode="before")
    @classmethod
    def _dollars(cls, value: object) -> int:
        return shop_rules.amount_cents(value)

    @field_validator("markup_carriers", "markup_services", mode="before")
    @classmethod
    def _overrides(cls, value: object) -> dict[str, Markup]:
        """JSON such as {"ups": {"percent": "12", "flat": "0.50"}}."""
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except json.JSONDecodeError:
                raise ValueError('must be JSON such as {"ups": {"percent": "12"}}') from None
        if not isinstance(value, dict):
            raise ValueError('must be a JSON object such as {"ups": {"percent": "12"}}')
        return shop_rules.markup_overrides(value)

    @field_validator("refund_window_days", mode="before")
    @classmethod
    def _refund_windows(cls, value: object) -> dict[str, int]:
        """JSON such as {"ups": 60}: days after purchase, by carrier code, over the defaults."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError('must be JSON such as {"usps": 28, "ups": 90}') from None
        if not isinstance(value, dict) or not value:
            raise ValueError('must be a JSON object such as {"usps": 28, "ups": 90}')
        return shop_rules.refund_window_days(value)

    @model_validator(mode="after")
    def _https_for_real_telegram(self) -> Settings:
        if (
            self.webhook_base_url
            and self.telegram_api_url == TELEGRAM_API_URL
            and not self.webhook_base_url.startswith("https://")
        ):
            raise ValueError(
                "WEBHOOK_BASE_URL: must use https:// when TELEGRAM_API_URL is Telegram's own"
            )
        return self

    def require_providers(self) -> None:
        """Each provider chosen explicitly, real ones with their keys, and never a real one
        beside a sandbox one: sandbox balance would buy real labels, or real money buy
        sample labels."""
        payment, carrier = self.payment_provider, self.carrier_provider
        if payment is None:
            raise ConfigError("PAYMENT_PROVIDER", "is required: oxapay or sandbox")
        if carrier is None:
            raise ConfigError("CARRIER_PROVIDER", "is required: shipstation or sandbox")
        if payment is PaymentProviderChoice.OXAPAY:
            self._require_for("oxapay_merchant_key", "PAYMENT_PROVIDER=oxapay")
        if carrier is CarrierProviderChoice.SHIPSTATION:
            self._require_for("shipstation_api_key", "CARRIER_PROVIDER=shipstation")
            self._require_for(
                "shipper_phone",
                "CARRIER_PROVIDER=shipstation: ShipStation needs a phone on every address",
            )
        if (payment is PaymentProviderChoice.SANDBOX) != (carrier is CarrierProviderChoice.SANDBOX):
            raise ConfigError(
                "PAYMENT_PROVIDER",
                f"is {payment.value} but CARRIER_PROVIDER is {carrier.value}; "
                "use real providers for both or sandbox for both",
            )

    def _require_for(self, name: str, choice: str) -> None:
        if getattr(self, name) is None:
            raise ConfigError(name.upper(), f"is required with {choice}")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @cached_property
    def webhook_url(self) -> str:
        return f"{self.require('webhook_base_url')}{WEBHOOK_PATH}"

    @property
    def public_base_url(self) -> str:
        """Where users and providers reach this server (in polling mode: WEBHOOK_BASE_URL when a
        tunnel leads to the poll's port, else that port on this machine)."""
        return self.webhook_base_url or "http://127.0.0.1:8080"

    @property
    def payment_callback_url(self) -> str:
        return f"{self.public_base_url}{PAYMENT_CALLBACK_PATH}"

    @property
    def bot_id(self) -> int:
        return int(self.require("bot_token").split(":", 1)[0])

    def require(self, *names: str) -> str:
        """Insist on variables a command needs; returns the first one's value."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise ConfigError(name.upper(), "is required but not set")
        return getattr(self, names[0])


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn pydantic's report into a one-line `ConfigError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        location = error.get("loc") or ()
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if location:
            raise ConfigError(str(location[0]).upper(), message) from None
        variable, _, problem = message.partition(": ")
        raise ConfigError(variable, problem or message) from None
