"""A GraphQL execution path that does not pay graphql-core's per-field price.

`CompiledExecutionContext` is a graphql-core `Executor` subclass, handed to a strawberry
`Schema` as its `execution_context_class`: strawberry still parses, validates and runs every
schema extension around the operation, and only the walk over the resolved objects changes.
Each validated query operation is compiled once (`plans.PlanCache`) into plans that read plain
attributes and call the resolver functions directly; what a plan was not built for goes through
graphql-core's own methods for that field. The package imports nothing of the service: it works
on any strawberry schema.
"""

from infrastructure.graphql_execution.executor import CompiledExecutionContext

__all__ = ["CompiledExecutionContext"]
