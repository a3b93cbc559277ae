"""Which media type a GraphQL answer goes out as is read once for each Accept value
(infrastructure/http/endpoint.py, `answers_graphql_response`)."""

from __future__ import annotations

from typing import Any

import mimeparse
import pytest
from starlette.requests import Request

from infrastructure.http.endpoint import answers_graphql_response


def _asking(accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request({"type": "http", "headers": headers})


def test_an_accept_value_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    best_match = mimeparse.best_match

    def counted(supported: list[str], accept: str) -> Any:
        read.append(accept)
        return best_match(supported, accept)

    monkeypatch.setattr(mimeparse, "best_match", counted)
    prefers = "application/graphql-response+json, application/json;q=0.9, text/x-once"
    plain = "application/json;q=1, application/graphql-response+json;q=0.5, text/x-once"
    answers = [answers_graphql_response(_asking(a)) for a in (prefers, plain, prefers, plain)]
    assert answers == [True, False, True, False]
    assert read == [prefers, plain]
    assert not answers_graphql_response(_asking(None))
    assert not answers_graphql_response(_asking(""))


@pytest.mark.parametrize("accept", [";;;", "a/b/c", "application/json, /x", "text"])
def test_an_accept_value_that_does_not_parse_asks_for_application_json(accept: str) -> None:
    assert answers_graphql_response(_asking(accept)) is False
