"""Every knob of the service: one place, one `ORDERS_…` name, read from the environment first."""

from __future__ import annotations

import ipaddress
import logging
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.actions import ReturnPolicy
from domain.pricing import ShippingPolicy

DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-use-in-production"
DEVELOPMENT_WEBHOOK_SECRET = "development-only-carrier-webhook-secret"
DEVELOPMENT_SECRETS = frozenset({DEVELOPMENT_JWT_SECRET, DEVELOPMENT_WEBHOOK_SECRET})
MIN_SECRET_LENGTH = 32

_DATABASE_SCHEMES = (
    "sqlite",
    "sqlite+aiosqlite",
    "postgresql",
    "postgresql+asyncpg",
    "postgres",
)
_REDIS_SCHEMES = ("memory", "redis")
_AMQP_SCHEMES = ("memory", "amqp", "amqps")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORDERS_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///var/orders.db"
    redis_url: str = "memory://"
    amqp_url: str = "memory://"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    jwt_secret: str | None = None
    retry_delays: Annotated[tuple[float, ...], NoDecode] = (1.0, 5.0, 30.0, 120.0)
    carrier_step_seconds: float = Field(default=10.0, gt=0)
    carrier_report_give_up_seconds: float = Field(default=3600.0, gt=0)
    free_shipping_threshold: int = Field(default=15_000, ge=0)
    shipping_fee: int = Field(default=2_500, ge=0)
    return_days: int = Field(default=7, ge=1, le=365)
    return_fee: int = Field(default=2_500, ge=0)
    cache_prefix: str = Field(default="orders", min_length=1)
    product_cache_ttl: int = Field(default=300, ge=1)
    response_cache: bool = True
    response_cache_entries: int = Field(default=2000, ge=1)
    response_cache_entry_bytes: int = Field(default=128 * 1024, ge=1024)
    amqp_prefix: str = Field(default="orders", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    prefetch: int = Field(default=16, ge=1, le=1000)
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_tokens: int = Field(default=5000, ge=10)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_batch: int = Field(default=10, ge=1)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_headers: int = Field(default=100, ge=10)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    keep_alive_seconds: int = Field(default=5, ge=1)
    max_connections: int = Field(default=1000, ge=1)
    max_ws_message_bytes: int = Field(default=64 * 1024, ge=1024)
    max_cost: int = Field(default=50_000, ge=1)
    max_selections: int = Field(default=1000, ge=10)
    max_field_repeats: int = Field(default=5, ge=1)
    refused_document_cost: int = Field(default=1000, ge=0)
    document_cache_bytes: int = Field(default=512 * 1024, ge=0)
    rate_limit_points: int = Field(default=100_000, ge=1)
    rate_limit_restore: float = Field(default=10_000.0, gt=0)
    introspection: bool | None = None
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    health_port: int | None = Field(default=None, ge=1, le=65535)
    log_format: Literal["json", "text"] | None = None
    carrier_webhook_secret: str | None = None
    carrier_webhook_url: str | None = None
    gateway_timeout_seconds: float = Field(default=5.0, gt=0)
    consumer_check_seconds: float = Field(default=15.0, gt=0)
    simulated_gateway_weather: str | None = None
    crash_at: (
        Literal[
            "before_ack",
            "after_charge",
            "after_refund_part",
            "before_invalidate",
            "after_publish",
            "consumers_lost",
        ]
        | None
    ) = None
    crash_marker: str | None = None
    metrics_dir: str | None = None
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1",)
    drain_seconds: float = Field(default=0.0, ge=0, le=300)
    database_pool_size: int = Field(default=10, ge=1, le=200)
    queue_type: Literal["classic", "quorum"] = "classic"
    delivery_limit: int = Field(default=20, ge=1, le=10_000)

    @property
    def shipping_policy(self) -> ShippingPolicy:
        return ShippingPolicy(threshold=self.free_shipping_threshold, fee=self.shipping_fee)

    @property
    def return_policy(self) -> ReturnPolicy:
        return ReturnPolicy(days=self.return_days, fee=self.return_fee)

    @field_validator("retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return tuple(parts)
        return value

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(o.strip() for o in value.split(",") if o.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if entry == "*":
                continue
            try:
                if "/" in entry:
                    ipaddress.ip_network(entry)
                else:
                    ipaddress.ip_address(entry)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an address or network (e.g. 127.0.0.1,10.0.0.0/8, or *)"
                ) from None
        return value

    @field_validator("retry_delays")
    @classmethod
    def _positive_delays(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(d <= 0 for d in value):
            raise ValueError("give one or more positive numbers of seconds, e.g. 1,5,30,120")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        return _check_scheme(value, _DATABASE_SCHEMES)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        return _check_scheme(value, _REDIS_SCHEMES)

    @field_validator("amqp_url")
    @classmethod
    def _amqp_scheme(cls, value: str) -> str:
        return _check_scheme(value, _AMQP_SCHEMES)

    @model_validator(mode="after")
    def _secret_fits_environment(self) -> Self:
        if self.env is Environment.PRODUCTION and self.crash_at is not None:
            raise ValueError("ORDERS_CRASH_AT is for fault tests; production refuses it")
        if self.env is Environment.PRODUCTION:
            _check_production_secret("ORDERS_JWT_SECRET", self.jwt_secret)
            _check_production_secret("ORDERS_CARRIER_WEBHOOK_SECRET", self.carrier_webhook_secret)
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def introspection_allowed(self) -> bool:
        """On in development, off in production unless ORDERS_INTROSPECTION=true."""
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        """Readable text in development, where a person reads the terminal; JSON in production,
        where machines collect the lines. ORDERS_LOG_FORMAT overrides either."""
        if self.log_format is not None:
            return self.log_format
        return "json" if self.is_production else "text"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Any origin in development unless listed; only the listed ones in production."""
        if self.cors_origins or self.is_production:
            return self.cors_origins
        return ("*",)

    @property
    def uses_development_secret(self) -> bool:
        return self.jwt_secret is None

    @property
    def effective_jwt_secret(self) -> str:
        return self.jwt_secret or DEVELOPMENT_JWT_SECRET

    @property
    def effective_webhook_secret(self) -> str:
        return self.carrier_webhook_secret or DEVELOPMENT_WEBHOOK_SECRET

    @property
    def effective_webhook_url(self) -> str:
        """Where the simulated carrier reports: our own API unless told otherwise."""
        return self.carrier_webhook_url or f"http://{self.host}:{self.port}/webhooks/carrier"


def _check_production_secret(name: str, secret: str | None) -> None:
    """Production refuses a secret that is unset, short, or one of the development secrets
    published in this repository (whichever setting it was meant for)."""
    if secret is None:
        raise ValueError(f"{name} must be set in production")
    if secret in DEVELOPMENT_SECRETS:
        raise ValueError(f"{name} is a development secret; production needs a secret of its own")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"{name} must be at least {MIN_SECRET_LENGTH} characters")


def _check_scheme(url: str, allowed: tuple[str, ...]) -> str:
    if _scheme(url) not in allowed:
        raise ValueError(f"scheme must be one of {', '.join(s + '://' for s in allowed)}")
    return url


class SettingsError(Exception):
    """A setting is wrong; the message is one line that names it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from exc


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = f"ORDERS_{field.upper()}: " if field else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}{message}")
    return "invalid setting: " + "; ".join(problems)


def warn_about_settings(settings: Settings) -> None:
    """Settings that work but that an operator should hear about, once, at start-up."""
    if settings.uses_development_secret:
        logging.getLogger("orders").warning(
            "ORDERS_JWT_SECRET is not set: using the development secret (development only)"
        )
