"""The executor: graphql-core's, with the walk over a query replaced by its compiled plans.

Every method here mirrors the graphql-core method named in its docstring, branch for branch
(the same errors, at the same paths, collected in the same order; awaitables gathered at the
same places), so that the answer is the same byte for byte; only the per-field work is gone:
no resolve info unless a resolver asks for one, no argument coercion for a field without
arguments, no strawberry wrapper around the resolver, no type dispatch per value.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Iterator
from typing import Any, cast

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import collect_iterator_awaitables
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import get_arguments
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE as CAST

from infrastructure.graphql_execution.plans import (
    INT_MAX,
    INT_MIN,
    NOT_AWAITABLE,
    Access,
    Completer,
    FieldPlan,
    NotCompiled,
    ObjectCompleter,
    ObjectPlan,
    PlanCache,
)
from infrastructure.graphql_execution.resolve_info import LazyResolveInfo

_path = tuple.__new__
"""Makes a `Path` as `Path(prev, key, typename)` does, without its generated `__new__` (one
Python call fewer for each object and list on the walk, about 1,400 on a page of 50 nested
orders): `_path(Path, (prev, key, typename))`."""

_caches: weakref.WeakKeyDictionary[GraphQLSchema, PlanCache] = weakref.WeakKeyDictionary()


def _strawberry(schema: GraphQLSchema) -> Any:
    """The strawberry schema this graphql-core schema was built by (strawberry links them)."""
    return schema._strawberry_schema  # type: ignore[attr-defined]


def _plan_cache(schema: GraphQLSchema) -> PlanCache:
    cache = _caches.get(schema)
    if cache is None:
        cache = _caches[schema] = PlanCache()
    return cache


class CountedResult(ExecutionResult):
    """A result whose data's objects the walk counted as it built them, the root's not counted
    (`objects_in_data`), so that a cost guard need not walk the data again to count them.

    Answered only when nothing went wrong and the walk built the whole data itself: no error
    (a field error may null objects out that were built and counted), no part completed by
    graphql-core's own methods, no leaf whose value is a dict or a list."""

    __slots__ = ("objects_in_data",)

    def __init__(self, data: dict[str, Any], objects_in_data: int) -> None:
        super().__init__(data)
        self.objects_in_data = objects_in_data


class CompiledExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Runs a query through its compiled plans; anything else as graphql-core does.

    The whole operation goes through graphql-core when it is not a query, when the executor
    carries what a plan cannot honour (field middleware from extensions, an abort signal, hooks,
    @defer/@stream, strawberry exception handlers); a single field does when its strawberry
    field has field extensions (permission classes are one) or is not a strawberry field
    (introspection), and its completion does when a type in it has its own `is_type_of`.
    """

    objects = 0
    """The objects the walk has built, the root's included (`CountedResult`)."""
    all_counted = True
    """False once a part of the data was built where `objects` does not count."""

    def execute_operation(
        self, serially: bool | None = None
    ) -> AwaitableOrValue[ExecutionResult | Any]:
        """`Executor.execute_operation`, with the root fields run by the root plan."""
        if serially or not self._compiled_path_applies():
            return super().execute_operation(serially)
        try:
            plan = _plan_cache(self.schema).root_plan(self)
        except (NotCompiled, GraphQLError, RecursionError):
            # graphql-core collects the root fields again and answers the error its own way
            return super().execute_operation(serially)
        try:
            result = self.execute_object_plan(plan, self.root_value, None)
            if self.is_awaitable(result):

                async def await_result() -> ExecutionResult | Any:
                    try:
                        data = await result
                    except GraphQLError as error:
                        self.collected_errors.add(error, None)
                        return self.build_response(None)
                    except Exception:
                        await self.cancel_incremental_work()
                        self.run_async_work_finished_hook()
                        raise
                    return self._response(data)

                return await_result()
            data = cast("dict[str, Any]", result)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        return self.finish(self._response(data))

    def _response(self, data: dict[str, Any]) -> ExecutionResult | Any:
        """`build_response`, as a `CountedResult` when the count holds."""
        if self.all_counted and not self.collected_errors.errors:
            self.run_async_work_finished_hook()
            return CountedResult(data, self.objects - 1)
        return self.build_response(data)

    def _compiled_path_applies(self) -> bool:
        schema = self.schema
        middleware = self.middleware_manager
        return (
            self.operation.operation is OperationType.QUERY
            and self.abort_signal is None
            and self.hooks is None
            and (middleware is None or not middleware.middlewares)
            and schema.get_directive("defer") is None
            and schema.get_directive("stream") is None
            and not _strawberry(schema).exception_handlers
        )

    def execute_object_plan(
        self, plan: ObjectPlan, source: Any, path: Path | None
    ) -> AwaitableOrValue[dict[str, Any]]:
        """`Executor.execute_fields` with `execute_field` inlined for each kind of field."""
        self.objects += 1
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        type_name = plan.type_name
        try:
            for field in plan.fields:
                key = field.key
                access = field.access
                if access is Access.TYPENAME:
                    results[key] = type_name
                    continue
                if access is Access.GRAPHQL_CORE:
                    self.all_counted = False
                    outcome = self.execute_field(
                        plan.object_type, source, field.details, Path(path, key, type_name), None
                    )
                    if outcome is not Undefined:
                        results[key] = outcome
                        if is_awaitable(outcome):
                            awaitable_fields.append(key)
                    continue
                field_path = _path(Path, (path, key, type_name)) if field.needs_path else None
                try:
                    if access is Access.ATTRIBUTE:
                        value = getattr(source, field.attribute)
                        if type(value) is field.exact:
                            names = field.names
                            if names is None:
                                if type(value) is not int or INT_MIN <= value <= INT_MAX:
                                    results[key] = value
                                    continue
                            elif value in names:
                                results[key] = names[value]
                                continue
                    else:
                        value = self._call_resolver(field, source, path)
                        if type(value) not in NOT_AWAITABLE and is_awaitable(value):
                            field_path = field_path or Path(path, key, type_name)
                            results[key] = self._complete_awaitable_value(field, value, field_path)
                            awaitable_fields.append(key)
                            continue
                    target = field.shortcut
                    if (
                        target is not None
                        and type(value) is target.exact
                        and (not target.castable or getattr(value, CAST, None) is None)
                    ):
                        below = target.plan
                        if below is None:
                            below = target.planned(self)
                        completed: Any = self.execute_object_plan(below, value, field_path)
                    else:
                        completed = field.complete(self, value, field_path)
                    # a leaf's completion (no path needed) is never awaitable, nor is an
                    # object's or a list's once completed (the test is a call fewer a value)
                    if (
                        field_path is not None
                        and type(completed) is not dict
                        and type(completed) is not list
                        and is_awaitable(completed)
                    ):
                        field_path = field_path or Path(path, key, type_name)
                        results[key] = self._await_completed(field, completed, field_path)
                        awaitable_fields.append(key)
                        continue
                except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
                    self.handle_field_error(
                        raw_error,
                        field.return_type,
                        field.details,
                        field_path or Path(path, key, type_name),
                    )
                    completed = None
                results[key] = completed
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[key] for key in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                key = awaitable_fields[0]
                results[key] = await results[key]
            else:
                awaited = await gather_with_cancel(*(results[key] for key in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def field_info(
        self,
        field_def: GraphQLField,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        """The resolve info graphql-core builds for a field, for its methods that need one."""
        return self.build_resolve_info(
            field_def, [item.node for item in details], parent_type, path
        )

    def _call_resolver(self, field: FieldPlan, source: Any, parent_path: Path | None) -> Any:
        """What strawberry's resolver wrapper does for a field without extensions: the
        arguments converted to their Python types, self/parent/root and info passed as the
        function asks for them."""
        function = field.function
        assert function is not None
        if field.has_arguments:
            assert field.strawberry_field is not None
            strawberry = _strawberry(self.schema)
            args, kwargs = get_arguments(
                field=field.strawberry_field,
                source=source,
                info=self._info(field, parent_path),
                kwargs=get_argument_values(
                    field.field_def,
                    field.details[0].node,
                    self.variable_values,
                    None,
                    self.hide_suggestions,
                ),
                config=strawberry.config,
                scalar_registry=strawberry.schema_converter.scalar_registry,
            )
            return function(*args, **kwargs)
        kwargs = {}
        if field.info_name is not None:
            kwargs[field.info_name] = field.info_class(
                _raw_info=LazyResolveInfo(self, field, parent_path), _field=field.strawberry_field
            )
        for name in field.source_names:
            kwargs[name] = source
        if field.passes_self:
            return function(source, **kwargs)
        return function(**kwargs)

    def _info(self, field: FieldPlan, parent_path: Path | None) -> Any:
        return field.info_class(
            _raw_info=LazyResolveInfo(self, field, parent_path), _field=field.strawberry_field
        )

    async def _complete_awaitable_value(
        self, field: FieldPlan, result: Awaitable[Any], path: Path
    ) -> Any:
        """`Executor.complete_awaitable_value` (no abort signal here)."""
        try:
            resolved = await result
            completed = field.complete(self, resolved, path)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            completed = None
        return completed

    async def _await_completed(
        self, field: FieldPlan, completed: Awaitable[Any], path: Path
    ) -> Any:
        """The `await_completed` of `Executor.execute_field`."""
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None

    def complete_list(
        self,
        list_type: GraphQLList[GraphQLOutputType],
        parent_type: GraphQLObjectType,
        item_type: GraphQLOutputType,
        complete_item: Completer,
        item_shortcut: ObjectCompleter | None,
        item_needs_path: bool,
        field_def: GraphQLField,
        details: FieldDetailsList,
        items: Any,
        path: Path,
        not_iterable: str,
    ) -> AwaitableOrValue[list[Any]]:
        """`Executor.complete_list_value` and `complete_iterable_value` (no @stream here)."""
        if type(items) is not list:
            if self.is_async_iterable(items):
                self.all_counted = False
                info = self.field_info(field_def, details, parent_type, path)
                return self.complete_list_value(list_type, details, info, path, items, None)
            if not is_iterable(items):
                raise GraphQLError(not_iterable)
        is_awaitable = self.is_awaitable
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        iterator: Iterator[Any] = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = _path(Path, (path, index, None)) if item_needs_path else None
                if type(item) not in NOT_AWAITABLE and is_awaitable(item):
                    item_path = item_path or Path(path, index, None)
                    append(
                        self._complete_awaitable_item(
                            item, item_type, complete_item, details, item_path
                        )
                    )
                    awaitable_indices.append(index)
                else:
                    try:
                        if (
                            item_shortcut is not None
                            and type(item) is item_shortcut.exact
                            and (not item_shortcut.castable or getattr(item, CAST, None) is None)
                        ):
                            below = item_shortcut.plan
                            if below is None:
                                below = item_shortcut.planned(self)
                            completed: Any = self.execute_object_plan(below, item, item_path)
                        else:
                            completed = complete_item(self, item, item_path)
                        if (
                            item_path is not None
                            and type(completed) is not dict
                            and type(completed) is not list
                            and is_awaitable(completed)
                        ):
                            item_path = item_path or Path(path, index, None)
                            append(self._await_item(completed, item_type, details, item_path))
                            awaitable_indices.append(index)
                        else:
                            append(completed)
                    except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
                        self.handle_field_error(
                            raw_error, item_type, details, item_path or Path(path, index, None)
                        )
                        append(None)
                index += 1
        except Exception:
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                at = awaitable_indices[0]
                completed_results[at] = await completed_results[at]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[i] for i in awaitable_indices)
                )
                for at, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[at] = sub_result
            return completed_results

        return get_completed_results()

    async def _await_item(
        self,
        completed: Awaitable[Any],
        item_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        """The `await_completed` of `Executor.complete_list_item_value`."""
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
            self.handle_field_error(raw_error, item_type, details, path)
            return None

    async def _complete_awaitable_item(
        self,
        item: Awaitable[Any],
        item_type: GraphQLOutputType,
        complete_item: Completer,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        """`Executor.complete_awaitable_list_item_value` (no abort signal here)."""
        try:
            resolved = await item
            completed = complete_item(self, resolved, path)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:  # noqa: BLE001 (a field error, as in graphql-core)
            self.handle_field_error(raw_error, item_type, details, path)
            return None
        return completed
