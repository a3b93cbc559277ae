"""Errors of the contract: `UserError` in payloads, and coded GraphQL errors for queries."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.problems import Problem, ProblemCode

strawberry.enum(ProblemCode, name="ErrorCode")
ErrorCode = ProblemCode


@strawberry.type
class UserError:
    code: ErrorCode
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "items", "0", "quantity"].'
    )
    message: str

    @classmethod
    def from_problem(cls, problem: Problem, prefix: tuple[str, ...] = ()) -> UserError:
        field = list(prefix + problem.field) if problem.field is not None else None
        return cls(code=problem.code, field=field, message=problem.message)


class ApiError(GraphQLError):
    """A refusal the client can act on; the code travels in `extensions.code`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message, extensions={"code": code.value})
        self.code = code


def unauthenticated(message: str = "sign in: this needs a bearer token") -> ApiError:
    return ApiError(ErrorCode.UNAUTHENTICATED, message)


def forbidden(message: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message)


def invalid_input(message: str) -> ApiError:
    return ApiError(ErrorCode.INVALID_INPUT, message)
