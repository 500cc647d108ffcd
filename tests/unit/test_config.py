"""G7: bad configuration is refused with the variable's name and the problem."""

import pytest

from shipbot.config import ConfigError, load_settings

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
