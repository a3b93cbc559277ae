"""Input rules, checked before anything is written. Field paths are relative to the input."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.catalogue import is_valid_isbn13
from domain.commands import (
    CancelOrder,
    CancelOrderLines,
    ChangeDeliveryAddress,
    CreateProduct,
    OrderLine,
    PlaceOrder,
)
from domain.order import Address
from domain.problems import Problem, ProblemCode, Refused
from domain.text import character_problem, text_problem

MAX_LINES = 50
MAX_QUANTITY = 99
MAX_IDEMPOTENCY_KEY = 255
MAX_PAYMENT_TOKEN = 100
MAX_PRICE = 10_000_000
MAX_STOCK_CHANGE = 1_000_000
MAX_CANCEL_REASON = 500

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")
_ZIP = re.compile(r"^[0-9]{5}$")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _invalid(field: tuple[str, ...], message: str) -> Problem:
    return Problem(ProblemCode.INVALID_INPUT, message, field)


def merge_lines(lines: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    """One line per product, quantities added, in the order products first appear."""
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    return tuple(OrderLine(product_id, quantity) for product_id, quantity in merged.items())


def last_places(lines: Iterable[OrderLine]) -> dict[int, int]:
    """Each book's last line in a request, by its place: a refusal of the book's copies (added
    up by `merge_lines`) names that line, as the count of copies per book does."""
    return {line.product_id: i for i, line in enumerate(lines)}


def _line_problems(
    lines: tuple[OrderLine, ...], field: str = "items", needs: str = "an order needs"
) -> list[Problem]:
    if not lines:
        return [_invalid((field,), f"{needs} at least one line")]
    if len(lines) > MAX_LINES:
        return [_invalid((field,), f"an order holds at most {MAX_LINES} lines, not {len(lines)}")]
    problems = [
        _invalid(
            (field, str(i), "quantity"),
            f"quantity must be between 1 and {MAX_QUANTITY}, not {line.quantity}",
        )
        for i, line in enumerate(lines)
        if not 1 <= line.quantity <= MAX_QUANTITY
    ]
    if problems:
        return problems
    totals: dict[int, int] = {}
    for i, line in enumerate(lines):
        totals[line.product_id] = totals.get(line.product_id, 0) + line.quantity
        if totals[line.product_id] > MAX_QUANTITY:
            problems.append(
                _invalid(
                    (field, str(i), "quantity"),
                    f"this book is ordered {totals[line.product_id]} times in all; "
                    f"at most {MAX_QUANTITY} per book",
                )
            )
    return problems


def _text_problems(
    fields: Iterable[tuple[tuple[str, ...], str | None, int, bool]],
) -> list[Problem]:
    """(path, value, maximum length, required) for each text field; `domain.text` says which
    characters no text may hold."""
    problems = []
    for path, value, limit, required in fields:
        problem = text_problem(path[-1], value or "", limit=limit, required=required)
        if problem is not None:
            problems.append(_invalid(path, problem))
    return problems


def _address_problems(address: Address, field: str = "shippingAddress") -> list[Problem]:
    def at(name: str) -> tuple[str, ...]:
        return (field, name)

    problems = _text_problems(
        [
            (at("recipient"), address.recipient, 100, True),
            (at("phone"), address.phone, 30, True),
            (at("zipCode"), address.zip_code, 10, True),
            (at("line1"), address.line1, 200, True),
            (at("line2"), address.line2, 200, False),
        ]
    )
    if address.phone.strip() and not _PHONE.match(address.phone.strip()):
        problems.append(_invalid(at("phone"), "phone must be digits, spaces or dashes"))
    if address.zip_code.strip() and not _ZIP.match(address.zip_code.strip()):
        problems.append(_invalid(at("zipCode"), "zipCode must be 5 digits"))
    return problems


def check_place_order(command: PlaceOrder) -> None:
    """Raise `Refused` with every problem of the command's input at once."""
    problems = _line_problems(command.lines) + _address_problems(command.address)
    token = command.payment_token
    if token is not None and (len(token) > MAX_PAYMENT_TOKEN or not _TOKEN.fullmatch(token)):
        problems.append(
            _invalid(
                ("payment", "token"),
                f"a payment token is 1 to {MAX_PAYMENT_TOKEN} letters, digits, _ or -",
            )
        )
    if command.points < 0:
        problems.append(
            _invalid(("points",), f"points to spend cannot be negative ({command.points})")
        )
    problems += _key_problems(command.idempotency_key)
    if problems:
        raise Refused(problems)


def _key_problems(key: str | None) -> list[Problem]:
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        return [
            _invalid(
                ("idempotencyKey",),
                f"an idempotency key is 1 to {MAX_IDEMPOTENCY_KEY} characters",
            )
        ]
    if key is not None and (problem := character_problem("idempotencyKey", key)):
        return [_invalid(("idempotencyKey",), problem)]
    return []


def check_create_product(command: CreateProduct) -> None:
    problems = []
    if not is_valid_isbn13(command.isbn):
        problems.append(
            _invalid(("isbn",), "isbn must be 13 digits with a valid ISBN-13 check digit")
        )
    problems += _text_problems(
        [
            (("title",), command.title, 500, True),
            (("author",), command.author, 300, True),
            (("publisher",), command.publisher, 300, False),
        ]
    )
    if not 1 <= command.price <= MAX_PRICE:
        problems.append(_invalid(("price",), f"price must be between 1 and {MAX_PRICE:,} won"))
    if not 0 <= command.initial_stock <= MAX_STOCK_CHANGE:
        problems.append(
            _invalid(("initialStock",), f"initialStock must be between 0 and {MAX_STOCK_CHANGE:,}")
        )
    problems += command.rates.problems()
    if problems:
        raise Refused(problems)


def check_stock_change(delta: int) -> None:
    if delta == 0 or abs(delta) > MAX_STOCK_CHANGE:
        raise Refused(
            [
                _invalid(
                    ("delta",),
                    f"delta must be non-zero and at most {MAX_STOCK_CHANGE:,} either way",
                )
            ]
        )


def check_cancel_order(command: CancelOrder | CancelOrderLines) -> None:
    problems = _text_problems([(("reason",), command.reason, MAX_CANCEL_REASON, False)])
    if isinstance(command, CancelOrderLines):
        problems += _line_problems(command.lines, "lines", "a partial cancellation names")
        problems += _key_problems(command.idempotency_key)
    if problems:
        raise Refused(problems)


def check_change_address(command: ChangeDeliveryAddress) -> None:
    if problems := _address_problems(command.address, "address"):
        raise Refused(problems)


def check_return(lines: tuple[OrderLine, ...], idempotency_key: str | None) -> None:
    if problems := _line_problems(lines, "lines", "a return names") + _key_problems(
        idempotency_key
    ):
        raise Refused(problems)


def copies_problem(i: int, held: int | None, copies: int, too_many: str) -> Problem | None:
    """What is wrong with asking for `copies` of line `i` of an order that holds `held` of that
    book (None: no line for it); `too_many` says it, with `{held}` and `{copies}` in it."""
    if held is None:
        return Problem(
            ProblemCode.NOT_FOUND,
            "the order has no line for this book",
            ("lines", str(i), "productId"),
        )
    if copies > held:
        return Problem(
            ProblemCode.INVALID_STATE,
            too_many.format(held=held, copies=copies),
            ("lines", str(i), "quantity"),
        )
    return None
