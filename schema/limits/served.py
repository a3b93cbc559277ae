"""The graphql-core schema behind the strawberry one, for the limits that walk a document
against it (its cost, its validation)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from graphql import GraphQLSchema
from strawberry.schema.base import BaseSchema


@runtime_checkable
class ServedSchema(Protocol):
    """A strawberry schema that says which graphql-core schema it serves
    (`schema.root.OrderServiceSchema`): strawberry keeps it in a private attribute."""

    @property
    def graphql_schema(self) -> GraphQLSchema: ...


def graphql_schema_of(schema: BaseSchema) -> GraphQLSchema:
    if not isinstance(schema, ServedSchema):
        raise TypeError(f"{type(schema).__name__} does not say which graphql-core schema it serves")
    return schema.graphql_schema
