from __future__ import annotations

import pytest

from infrastructure.settings import Settings
from tests.support.apps import AppFactory, app_factory


@pytest.fixture
def app_with(settings: Settings) -> AppFactory:
    """A client of an app whose settings differ from this run's by the given overrides."""
    return app_factory(settings)
