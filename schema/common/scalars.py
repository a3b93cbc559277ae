"""Scalars whose input rules are ours: checked while graphql-core coerces the operation's
values, so a bad one is refused before any resolver runs."""

from __future__ import annotations

from datetime import datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition, wrap_parser
from strawberry.types.scalar import ScalarDefinition

from domain.moments import storable_moment


def _storable_datetime(text: str) -> datetime:
    """ISO 8601 with a zone, within the range we can store; ValueError otherwise (strawberry's
    `wrap_parser` turns it into a coercion error naming the value)."""
    return storable_moment(datetime.fromisoformat(text))


DATE_TIME = ScalarDefinition(
    name=DateTimeDefinition.name,
    description="Date and time in ISO 8601 with a time zone (+09:00, Z); answered in UTC",
    specified_by_url=None,
    serialize=DateTimeDefinition.serialize,
    parse_value=wrap_parser(_storable_datetime, "DateTime"),
    parse_literal=None,
    origin=datetime,
)

SCALARS: dict[object, ScalarDefinition] = {datetime: DATE_TIME}
"""`StrawberryConfig.scalar_map` of the schema."""
