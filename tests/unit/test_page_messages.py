"""The page's Korean sentences for the API's refusals (web/messages.js, run on Node): one for
every error code, and the field rules' sentences for the service's own wording of them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from domain.pricing import (
    MAX_ORDER_TOTAL,
    NO_RATES,
    BookPrice,
    PricedLine,
    ShippingPolicy,
    price_order,
)
from domain.problems import Refused
from domain.text import character_problem, text_problem
from domain.validation import MAX_QUANTITY
from resolvers.common.errors import ErrorCode

WEB = Path(__file__).parents[2] / "web"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _sentences(errors: list[dict[str, object]], action: str | None = None) -> list[str]:
    """errorSentence of each error, as the page (in Korean) says it."""
    script = (
        "const { errorSentence } = await import(process.argv[1]);"
        "const errors = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(errors.map((e) => errorSentence(e, process.argv[3] || null))));"
    )
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            script,
            (WEB / "messages.js").as_uri(),
            json.dumps(errors),
            action or "",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    sentences: list[str] = json.loads(done.stdout)
    return sentences


def test_every_error_code_has_a_korean_sentence_of_its_own() -> None:
    codes = [code.value for code in ErrorCode]
    as_user_errors = _sentences([{"code": code, "message": "in English"} for code in codes])
    as_graphql_errors = _sentences(
        [{"message": "in English", "extensions": {"code": code}} for code in codes]
    )
    unknown = _sentences([{"code": "NO_SUCH_CODE", "message": "in English"}])[0]
    assert as_user_errors == as_graphql_errors
    for code, sentence in zip(codes, as_user_errors, strict=True):
        assert HANGUL.search(sentence), code
        assert "English" not in sentence, code
        assert sentence != unknown, f"{code} has no sentence of its own"


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        (text_problem("recipient", " ", limit=100), "받는 분을 입력하세요."),
        (text_problem("line1", "가" * 201, limit=200), "주소는 200자까지 입력할 수 있습니다."),
        (
            character_problem("phone", "010\u202e1234"),
            "연락처에 보이지 않는 문자나 제어 문자는 쓸 수 없습니다.",
        ),
    ],
)
def test_a_text_refusal_is_worded_by_its_kind(message: str | None, sentence: str) -> None:
    field = ["input", "shippingAddress", re.split(r"\s", str(message))[0]]
    said = _sentences([{"code": "INVALID_INPUT", "field": field, "message": message}])
    assert said == [sentence]


def test_field_rules_and_states_are_worded_for_the_customer() -> None:
    said = _sentences(
        [
            {
                "code": "INVALID_INPUT",
                "field": ["input", "shippingAddress", "zipCode"],
                "message": "zipCode must be 5 digits",
            },
            {
                "code": "INVALID_INPUT",
                "field": ["input", "items", "0", "quantity"],
                "message": f"quantity must be between 1 and {MAX_QUANTITY}, not 150",
            },
            {"code": "INVALID_STATE", "field": ["id"], "message": "the parcel has been picked up"},
        ],
        "cancel",
    )
    assert said == [
        "우편번호는 숫자 다섯 자리로 입력하세요.",
        "한 책은 1권부터 99권까지 주문할 수 있습니다.",
        "상품이 이미 택배사에 넘어가 주문을 취소할 수 없습니다.",
    ]


def test_an_order_beyond_the_largest_amount_is_worded_with_the_limit() -> None:
    book = PricedLine(1, MAX_QUANTITY, BookPrice(MAX_ORDER_TOTAL // MAX_QUANTITY + 1, NO_RATES))
    with pytest.raises(Refused) as refused:
        price_order([book], 0, ShippingPolicy())
    [problem] = refused.value.problems
    assert problem.field is not None

    [said] = _sentences(
        [
            {
                "code": problem.code.value,
                "field": ["input", *problem.field],
                "message": problem.message,
            }
        ],
        "placeOrder",
    )

    assert said == "한 주문은 1,000,000,000원까지 할 수 있습니다. 수량을 줄여 나눠 주문하세요."
