"""Coded GraphQL errors: a refusal the client can act on, and every code an answer's errors
carry."""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError

from domain.access import SIGN_IN
from domain.problems import Problem, ProblemCode, Refused


class ErrorCode(StrEnum):
    """Every code of `extensions.code`: the domain's refusals first (the contract's enum
    `ErrorCode`, which a payload's `UserError` carries), then the refusals of a request as a
    whole, which only GraphQL errors carry (docs/DECISIONS.md, "One enum of error codes")."""

    INVALID_INPUT = ProblemCode.INVALID_INPUT.value
    NOT_FOUND = ProblemCode.NOT_FOUND.value
    OUT_OF_STOCK = ProblemCode.OUT_OF_STOCK.value
    INVALID_STATE = ProblemCode.INVALID_STATE.value
    UNAUTHENTICATED = ProblemCode.UNAUTHENTICATED.value
    FORBIDDEN = ProblemCode.FORBIDDEN.value
    CONFLICT = ProblemCode.CONFLICT.value
    BOOK_PRICE_LAW = ProblemCode.BOOK_PRICE_LAW.value
    NOT_ENOUGH_POINTS = ProblemCode.NOT_ENOUGH_POINTS.value
    INVALID_QUERY = "INVALID_QUERY"
    """The document does not parse or is not valid against the schema (graphql-core's own
    errors carry no code: metrics count them under this one)."""
    DOCUMENT_LIMIT = "DOCUMENT_LIMIT"
    COST_LIMIT = "COST_LIMIT"
    THROTTLED = "THROTTLED"
    INTERNAL = "INTERNAL"


class ApiError(GraphQLError):
    """A refusal the client can act on; the code travels in `extensions.code`."""

    def __init__(self, code: ErrorCode | ProblemCode, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": ErrorCode(code.value).value, **extensions})
        self.code = ErrorCode(code.value)


def unauthenticated(message: str = SIGN_IN.message) -> ApiError:
    return ApiError(ErrorCode.UNAUTHENTICATED, message)


def forbidden(message: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message)


def invalid_input(message: str) -> ApiError:
    return ApiError(ErrorCode.INVALID_INPUT, message)


def invalid_field(field: tuple[str, ...], message: str) -> Refused:
    """A mutation's input that does not decode (an id of another type), at `field`."""
    return Refused([Problem(ProblemCode.INVALID_INPUT, message, field)])
