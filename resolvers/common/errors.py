"""Coded GraphQL errors: a refusal of a query the client can act on."""

from __future__ import annotations

from graphql import GraphQLError

from domain.problems import ProblemCode


class ApiError(GraphQLError):
    """A refusal the client can act on; the code travels in `extensions.code`."""

    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message, extensions={"code": code.value})
        self.code = code


def unauthenticated(message: str = "sign in: this needs a bearer token") -> ApiError:
    return ApiError(ProblemCode.UNAUTHENTICATED, message)


def forbidden(message: str) -> ApiError:
    return ApiError(ProblemCode.FORBIDDEN, message)


def invalid_input(message: str) -> ApiError:
    return ApiError(ProblemCode.INVALID_INPUT, message)
