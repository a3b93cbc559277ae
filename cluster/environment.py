"""The `ORDERS_*` environment of a role's process, written from the settings it must run with."""

from __future__ import annotations

import os

from infrastructure.settings import Settings


def role_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """`settings` as the environment of a child process (with `extra` settings on top); this
    process's own `ORDERS_*` variables are left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERS_")}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        env[f"ORDERS_{name.upper()}"] = str(value)
    env["ORDERS_JWT_SECRET"] = settings.effective_jwt_secret
    env.update(extra)
    return env
