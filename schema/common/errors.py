"""`UserError`, the expected failure a payload carries; its enum `ErrorCode` is the domain's
`ProblemCode` (every code, request refusals too: `resolvers.common.errors.ErrorCode`)."""

from __future__ import annotations

import strawberry

from domain.problems import Problem, ProblemCode, Refused

strawberry.enum(ProblemCode, name="ErrorCode")


@strawberry.type
class UserError:
    code: ProblemCode
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "items", "0", "quantity"].'
    )
    message: str

    @classmethod
    def from_problem(cls, problem: Problem, prefix: tuple[str, ...] = ()) -> UserError:
        field = list(prefix + problem.field) if problem.field is not None else None
        return cls(code=problem.code, field=field, message=problem.message)

    @classmethod
    def from_refusal(cls, refused: Refused, prefix: tuple[str, ...] = ()) -> list[UserError]:
        return [cls.from_problem(problem, prefix) for problem in refused.problems]
