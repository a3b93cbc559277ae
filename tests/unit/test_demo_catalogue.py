"""The demo catalogue is large, varied, valid and deterministic."""

from __future__ import annotations

import re

from domain.pricing import BookRates
from infrastructure.database.demo_catalogue import CatalogueBook, demo_catalogue

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def test_has_at_least_200_books() -> None:
    assert len(demo_catalogue()) >= 200


def test_isbns_are_13_digits_with_valid_check_digit() -> None:
    for book in demo_catalogue():
        assert len(book.isbn) == 13
        assert book.isbn.isascii()
        assert book.isbn.isdigit()
        assert _check_digit(book.isbn[:12]) == int(book.isbn[12]), book.isbn


def test_isbn_prefixes_match_language() -> None:
    for book in demo_catalogue():
        if HANGUL.search(book.title):
            assert book.isbn.startswith(("97911", "97889")), book
        else:
            assert book.title.isascii(), book
            assert book.isbn.startswith(("9780", "9781")), book


def test_isbns_are_unique() -> None:
    isbns = [book.isbn for book in demo_catalogue()]
    assert len(set(isbns)) == len(isbns)


def test_titles_are_unique() -> None:
    titles = [book.title for book in demo_catalogue()]
    assert len(set(titles)) == len(titles)


def test_mix_of_korean_and_english_titles() -> None:
    books = demo_catalogue()
    assert sum(1 for b in books if HANGUL.search(b.title)) >= 50
    assert sum(1 for b in books if b.title.isascii()) >= 50


def test_includes_well_known_books() -> None:
    by_title = {book.title: book for book in demo_catalogue()}
    assert by_title["채식주의자"].author == "한강"
    assert by_title["소년이 온다"].author == "한강"
    assert by_title["Fluent Python"].author == "Luciano Ramalho"


def test_prices_in_range_and_multiples_of_100() -> None:
    for book in demo_catalogue():
        assert 8_000 <= book.price <= 60_000, book
        assert book.price % 100 == 0, book


def test_stock_in_range_and_some_out_of_stock() -> None:
    books = demo_catalogue()
    assert all(0 <= book.stock <= 200 for book in books)
    assert 1 <= sum(1 for book in books if book.stock == 0) <= 10


def test_fields_are_non_empty() -> None:
    for book in demo_catalogue():
        assert isinstance(book, CatalogueBook)
        assert book.title.strip()
        assert book.author.strip()
        assert book.publisher is None or book.publisher.strip()


def test_deterministic() -> None:
    assert demo_catalogue() == demo_catalogue()


def test_korean_books_sell_at_the_law_s_limit_and_every_rate_keeps_the_law() -> None:
    for book in demo_catalogue():
        assert BookRates(book.discount_rate, book.points_rate).problems() == [], book
        if HANGUL.search(book.title):
            assert (book.discount_rate, book.points_rate) == (1_000, 500), book
