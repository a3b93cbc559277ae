from __future__ import annotations

from dataclasses import fields

import pytest

from api_app import api_limits
from infrastructure.settings import (
    DEVELOPMENT_JWT_SECRET,
    DEVELOPMENT_WEBHOOK_SECRET,
    SettingsError,
    load_settings,
)
from schema.limits.guards import ApiLimits

DERIVED_LIMITS = ("introspection", "field_suggestions")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ORDERS_ENV",
        "ORDERS_JWT_SECRET",
        "ORDERS_CARRIER_WEBHOOK_SECRET",
        "ORDERS_RETRY_DELAYS",
        "ORDERS_PORT",
        "ORDERS_LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")  # no .env file of a developer's is read


def test_defaults_are_the_embedded_development_setup() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")
    assert settings.redis_url == "memory://"
    assert settings.amqp_url == "memory://"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.retry_delays == (1.0, 5.0, 30.0, 120.0)
    assert settings.uses_development_secret


def test_the_environment_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_RETRY_DELAYS", "0.5, 2,10")
    monkeypatch.setenv("ORDERS_PORT", "9000")
    settings = load_settings()
    assert settings.retry_delays == (0.5, 2.0, 10.0)
    assert settings.port == 9000


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("ORDERS_PORT", "eighty", "ORDERS_PORT"),
        ("ORDERS_PORT", "70000", "ORDERS_PORT"),
        ("ORDERS_DATABASE_URL", "mysql://db/orders", "ORDERS_DATABASE_URL"),
        ("ORDERS_REDIS_URL", "memcached://x", "ORDERS_REDIS_URL"),
        ("ORDERS_AMQP_URL", "kafka://x", "ORDERS_AMQP_URL"),
        ("ORDERS_RETRY_DELAYS", "1,soon", "ORDERS_RETRY_DELAYS"),
        ("ORDERS_RETRY_DELAYS", "1,-5", "ORDERS_RETRY_DELAYS"),
        ("ORDERS_ENV", "staging", "ORDERS_ENV"),
        ("ORDERS_CARRIER_STEP_SECONDS", "0", "ORDERS_CARRIER_STEP_SECONDS"),
        ("ORDERS_TRUSTED_PROXIES", "127.0.0.1,balancer", "ORDERS_TRUSTED_PROXIES"),
        ("ORDERS_TRUSTED_PROXIES", "10.0.0.1/8", "ORDERS_TRUSTED_PROXIES"),
        ("ORDERS_QUEUE_TYPE", "stream", "ORDERS_QUEUE_TYPE"),
        ("ORDERS_DRAIN_SECONDS", "-1", "ORDERS_DRAIN_SECONDS"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert named in message


def test_production_refuses_a_missing_or_weak_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_ENV", "production")
    with pytest.raises(SettingsError, match="ORDERS_JWT_SECRET must be set"):
        load_settings()
    monkeypatch.setenv("ORDERS_JWT_SECRET", "short")
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings()
    monkeypatch.setenv("ORDERS_JWT_SECRET", "s" * 40)
    with pytest.raises(SettingsError, match="ORDERS_CARRIER_WEBHOOK_SECRET must be set"):
        load_settings()
    monkeypatch.setenv("ORDERS_CARRIER_WEBHOOK_SECRET", "w" * 40)
    assert load_settings().is_production


def test_logs_are_text_in_development_and_json_in_production_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().effective_log_format == "text"
    monkeypatch.setenv("ORDERS_ENV", "production")
    monkeypatch.setenv("ORDERS_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("ORDERS_CARRIER_WEBHOOK_SECRET", "w" * 40)
    assert load_settings().effective_log_format == "json"
    monkeypatch.setenv("ORDERS_LOG_FORMAT", "text")
    assert load_settings().effective_log_format == "text"
    monkeypatch.setenv("ORDERS_ENV", "development")
    monkeypatch.setenv("ORDERS_LOG_FORMAT", "json")
    assert load_settings().effective_log_format == "json"


@pytest.mark.parametrize("name", ["ORDERS_JWT_SECRET", "ORDERS_CARRIER_WEBHOOK_SECRET"])
@pytest.mark.parametrize("development", [DEVELOPMENT_JWT_SECRET, DEVELOPMENT_WEBHOOK_SECRET])
def test_production_refuses_every_development_secret(
    monkeypatch: pytest.MonkeyPatch, name: str, development: str
) -> None:
    monkeypatch.setenv("ORDERS_ENV", "production")
    monkeypatch.setenv("ORDERS_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("ORDERS_CARRIER_WEBHOOK_SECRET", "w" * 40)
    monkeypatch.setenv(name, development)
    with pytest.raises(SettingsError, match=f"{name} is a development secret"):
        load_settings()


def test_each_api_limit_is_the_setting_of_its_name() -> None:
    copied = [f.name for f in fields(ApiLimits) if f.name not in DERIVED_LIMITS]
    overrides = {name: getattr(ApiLimits(), name) + 1 for name in copied}
    settings = load_settings(**overrides)
    limits = api_limits(settings)
    assert {name: getattr(limits, name) for name in copied} == overrides
    assert limits.introspection == settings.introspection_allowed
    assert limits.field_suggestions == (not settings.is_production)
