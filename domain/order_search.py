"""What customer service searches orders by, and what each criterion means.

Every criterion given must hold (AND); none given lists every order. The results come newest
first, like every list of orders, so a search pages by the same (created_at, id) position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.catalogue import is_valid_isbn13
from domain.problems import Problem, ProblemCode, Refused
from domain.status import OrderStatus
from domain.text import text_problem

MIN_SUBSTRING = 2
"""Names and titles are matched anywhere inside; one character would match half the shop."""
MAX_SEARCH_TEXT = 100

_PHONE_SEPARATORS = re.compile(r"[ -]")
_PHONE_DIGITS = re.compile(r"^\+?[0-9]{7,20}$")


def phone_digits(phone: str) -> str:
    """A phone number without the spaces and dashes people write in it: `010-1234-5678` and
    `010 1234 5678` are one number. The index on orders.phone holds the same expression."""
    return _PHONE_SEPARATORS.sub("", phone)


@dataclass(frozen=True, slots=True)
class OrderSearch:
    """Search criteria as a client asks them; `checked()` gives them normalised (`number`
    upper-cased, `phone` as digits, texts stripped), the only form the store searches by.

    - number: the whole order number (`20261124-7F3K9QX2`);
    - member_id: the member's id;
    - recipient: part of the shipping address's recipient name, case-insensitive;
    - recipient_name: the recipient's whole name, exactly as the address has it; unlike a part,
      it pages through the orders of one name in time order (docs/DECISIONS.md);
    - phone: the shipping address's whole phone number, whatever its spaces and dashes;
    - isbn: a book among the order's lines;
    - title: part of the title of a book among the order's lines, case-insensitive;
    - statuses: any of these statuses;
    - created_after / created_before: placed strictly after / before.
    """

    number: str | None = None
    member_id: str | None = None
    recipient: str | None = None
    recipient_name: str | None = None
    phone: str | None = None
    isbn: str | None = None
    title: str | None = None
    statuses: tuple[OrderStatus, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None

    def checked(self) -> OrderSearch:
        """These criteria normalised; Refused with every problem at once when one is bad."""
        problems: list[Problem] = []
        number = _text("number", self.number, problems)
        phone = _text("phone", self.phone, problems)
        if phone is not None and not _PHONE_DIGITS.match(phone_digits(phone)):
            problems.append(
                Problem(
                    ProblemCode.INVALID_INPUT,
                    "phone must be a whole number of 7 to 20 digits (spaces and dashes allowed)",
                    ("phone",),
                )
            )
        isbn = _text("isbn", self.isbn, problems)
        if isbn is not None and not is_valid_isbn13(isbn.replace("-", "")):
            problems.append(
                Problem(ProblemCode.INVALID_INPUT, "isbn must be a valid ISBN-13", ("isbn",))
            )
        criteria = OrderSearch(
            number=number.upper() if number else None,
            member_id=_text("memberId", self.member_id, problems),
            recipient=_text("recipient", self.recipient, problems, shortest=MIN_SUBSTRING),
            recipient_name=_text("recipientName", self.recipient_name, problems),
            phone=phone_digits(phone) if phone else None,
            isbn=isbn.replace("-", "") if isbn else None,
            title=_text("title", self.title, problems, shortest=MIN_SUBSTRING),
            statuses=tuple(dict.fromkeys(self.statuses)),
            created_after=self.created_after,
            created_before=self.created_before,
        )
        if problems:
            raise Refused(problems)
        return criteria


def _text(
    name: str, value: str | None, problems: list[Problem], *, shortest: int = 1
) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    problem = text_problem(name, stripped, limit=MAX_SEARCH_TEXT, required=True)
    if problem is None and len(stripped) < shortest:
        problem = f"{name} must be at least {shortest} characters"
    if problem is not None:
        problems.append(Problem(ProblemCode.INVALID_INPUT, problem, (name,)))
        return None
    return stripped
