"""Deterministic demo catalogue for a Korean online bookstore.

A few dozen real classics and programming books (Korean and English), then
titles built by combining word lists. There is no randomness: every call
returns the same books, ISBNs, prices and stock levels. Pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from domain.catalogue import isbn13_check_digit


@dataclass(frozen=True, slots=True)
class CatalogueBook:
    isbn: str
    title: str
    author: str
    publisher: str | None
    price: int
    stock: int
    discount_rate: int
    points_rate: int


@dataclass(frozen=True, slots=True)
class _Shelf:
    """One kind of book: language, ISBN prefixes, price range, publishers, and the rates the
    shop gives (basis points of the list price)."""

    korean: bool
    isbn_prefixes: tuple[str, str]
    min_price: int
    price_step: int
    price_steps: int
    publishers: tuple[str, ...]
    discount_rate: int
    points_rate: int


_KO_LITERARY = ("민음사", "창비", "문학동네", "문학과지성사", "은행나무", "위즈덤하우스")
_KO_TECHNICAL = ("한빛미디어", "길벗", "인사이트", "위키북스", "이지스퍼블리싱", "에이콘출판사")
_EN_LITERARY = ("Penguin", "Vintage", "Harper Perennial", "Bloomsbury", "Faber & Faber", "Picador")
_EN_TECHNICAL = (
    "O'Reilly Media",
    "Manning",
    "No Starch Press",
    "Pragmatic Bookshelf",
    "Addison-Wesley",
    "Packt Publishing",
)

# A new Korean book sells as the big stores sell it, 10 % off and 5 % in points (all that
# 도서정가제 allows); an imported one at its list price, with 3 % in points.
_KO_RATES = (1_000, 500)
_EN_RATES = (0, 300)

# korean, ISBN prefixes, lowest price, price step, number of steps, publishers, rates
_KO_FICTION = _Shelf(True, ("97911", "97889"), 12_000, 500, 13, _KO_LITERARY, *_KO_RATES)
_KO_TECH = _Shelf(True, ("97911", "97889"), 22_000, 1_000, 21, _KO_TECHNICAL, *_KO_RATES)
_EN_FICTION = _Shelf(False, ("9780", "9781"), 14_000, 1_000, 17, _EN_LITERARY, *_EN_RATES)
_EN_TECH = _Shelf(False, ("9781", "9780"), 38_000, 1_000, 23, _EN_TECHNICAL, *_EN_RATES)

# Real books: (shelf, title, author, publisher).
_CLASSICS: tuple[tuple[_Shelf, str, str, str | None], ...] = (
    (_KO_FICTION, "채식주의자", "한강", "창비"),
    (_KO_FICTION, "소년이 온다", "한강", "창비"),
    (_KO_FICTION, "작별하지 않는다", "한강", "문학동네"),
    (_KO_FICTION, "82년생 김지영", "조남주", "민음사"),
    (_KO_FICTION, "아몬드", "손원평", "창비"),
    (_KO_FICTION, "엄마를 부탁해", "신경숙", "창비"),
    (_KO_FICTION, "살인자의 기억법", "김영하", "문학동네"),
    (_KO_FICTION, "빛의 제국", "김영하", "문학동네"),
    (_KO_FICTION, "칼의 노래", "김훈", "문학동네"),
    (_KO_FICTION, "무진기행", "김승옥", "민음사"),
    (_KO_FICTION, "태백산맥", "조정래", "해냄"),
    (_KO_FICTION, "난장이가 쏘아올린 작은 공", "조세희", "이성과힘"),
    (_KO_FICTION, "불편한 편의점", "김호연", "나무옆의자"),
    (_KO_FICTION, "달러구트 꿈 백화점", "이미예", "팩토리나인"),
    (_KO_FICTION, "구의 증명", "최진영", "은행나무"),
    (_KO_FICTION, "저주토끼", "정보라", "래빗홀"),
    (_KO_TECH, "혼자 공부하는 파이썬", "윤인성", "한빛미디어"),
    (_KO_TECH, "이것이 자바다", "신용권", "한빛미디어"),
    (_KO_TECH, "Do it! 점프 투 파이썬", "박응용", "이지스퍼블리싱"),
    (_KO_TECH, "모던 자바스크립트 Deep Dive", "이웅모", "위키북스"),
    (_KO_TECH, "객체지향의 사실과 오해", "조영호", "위키북스"),
    (_KO_TECH, "오브젝트", "조영호", "위키북스"),
    (_KO_TECH, "토비의 스프링 3.1", "이일민", "에이콘출판사"),
    (_KO_TECH, "자바 ORM 표준 JPA 프로그래밍", "김영한", "에이콘출판사"),
    (_EN_TECH, "Fluent Python", "Luciano Ramalho", "O'Reilly Media"),
    (_EN_TECH, "Effective Java", "Joshua Bloch", "Addison-Wesley"),
    (_EN_TECH, "Designing Data-Intensive Applications", "Martin Kleppmann", "O'Reilly Media"),
    (_EN_TECH, "The Pragmatic Programmer", "David Thomas, Andrew Hunt", "Addison-Wesley"),
    (_EN_TECH, "Clean Code", "Robert C. Martin", "Prentice Hall"),
    (_EN_TECH, "Refactoring", "Martin Fowler", "Addison-Wesley"),
    (_EN_TECH, "Domain-Driven Design", "Eric Evans", "Addison-Wesley"),
    (
        _EN_TECH,
        "Architecture Patterns with Python",
        "Harry Percival, Bob Gregory",
        "O'Reilly Media",
    ),
    (_EN_TECH, "The Rust Programming Language", "Steve Klabnik, Carol Nichols", "No Starch Press"),
    (_EN_TECH, "Python Crash Course", "Eric Matthes", "No Starch Press"),
    (_EN_TECH, "Grokking Algorithms", "Aditya Bhargava", "Manning"),
    (
        _EN_TECH,
        "Structure and Interpretation of Computer Programs",
        "Harold Abelson, Gerald Jay Sussman",
        "MIT Press",
    ),
    (_EN_FICTION, "Nineteen Eighty-Four", "George Orwell", "Penguin"),
    (_EN_FICTION, "Pride and Prejudice", "Jane Austen", "Penguin"),
    (_EN_FICTION, "The Great Gatsby", "F. Scott Fitzgerald", "Scribner"),
    (_EN_FICTION, "To Kill a Mockingbird", "Harper Lee", "Harper Perennial"),
    (_EN_FICTION, "Moby-Dick", "Herman Melville", "Penguin"),
    (_EN_FICTION, "Jane Eyre", "Charlotte Brontë", "Penguin"),
    (_EN_FICTION, "Frankenstein", "Mary Shelley", "Penguin"),
    (_EN_FICTION, "Brave New World", "Aldous Huxley", "Vintage"),
    (_EN_FICTION, "One Hundred Years of Solitude", "Gabriel García Márquez", "Harper Perennial"),
    (_EN_FICTION, "Pachinko", "Min Jin Lee", "Grand Central Publishing"),
    (_EN_FICTION, "The Vegetarian", "Han Kang", "Hogarth"),
    (_EN_FICTION, "Human Acts", "Han Kang", "Hogarth"),
)

_KO_SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임")
_KO_GIVEN = (
    "민준",
    "서연",
    "지훈",
    "하은",
    "도윤",
    "수아",
    "현우",
    "지민",
    "예린",
    "승현",
    "유진",
    "태오",
)
_EN_FIRST = (
    "Emma",
    "James",
    "Olivia",
    "Noah",
    "Grace",
    "Daniel",
    "Hannah",
    "Samuel",
    "Clara",
    "Oliver",
    "Alice",
    "Thomas",
)
_EN_LAST = (
    "Walker",
    "Hughes",
    "Bennett",
    "Carter",
    "Foster",
    "Reid",
    "Hayes",
    "Porter",
    "Sullivan",
    "Brooks",
    "Ellis",
    "Morgan",
)


def _generated_titles() -> list[tuple[_Shelf, str]]:
    """Titles built from word lists, shelves interleaved for a varied listing."""
    ko_fiction = [
        f"{a}의 {b}"
        for a, b in product(
            ("바다", "겨울", "새벽", "골목", "달빛", "여름", "섬", "유리"),
            ("기억", "노래", "편지", "정원", "약속", "시간", "이름", "계절"),
        )
    ]
    ko_tech = [
        f"{a} {b}"
        for a, b in product(
            ("처음 배우는", "혼자 공부하는", "모두의", "실전", "쉽게 배우는", "핵심만 골라 배우는"),
            (
                "파이썬",
                "자바",
                "SQL",
                "리액트",
                "알고리즘",
                "리눅스",
                "네트워크",
                "쿠버네티스",
                "데이터 분석",
                "머신러닝",
            ),
        )
    ]
    en_fiction = [
        f"The {a} {b}"
        for a, b in product(
            ("Silent", "Last", "Hidden", "Winter", "Paper", "Salt", "Glass", "Midnight"),
            (
                "Garden",
                "River",
                "Lighthouse",
                "Orchard",
                "Letters",
                "Harbour",
                "Kingdom",
                "Archive",
            ),
        )
    ]
    en_tech = [
        f"{a} {b}"
        for a, b in product(
            (
                "Rust",
                "Go",
                "Kotlin",
                "TypeScript",
                "PostgreSQL",
                "Kubernetes",
                "GraphQL",
                "Django",
                "React",
                "Terraform",
            ),
            (
                "in Action",
                "Cookbook",
                "Pocket Reference",
                "Up and Running",
                "in Practice",
                "Deep Dive",
            ),
        )
    ]
    shelves = (
        (_KO_FICTION, ko_fiction),
        (_KO_TECH, ko_tech),
        (_EN_FICTION, en_fiction),
        (_EN_TECH, en_tech),
    )
    longest = max(len(titles) for _, titles in shelves)
    return [
        (shelf, titles[i]) for i in range(longest) for shelf, titles in shelves if i < len(titles)
    ]


def _author(korean: bool, i: int) -> str:
    if korean:
        return _KO_SURNAMES[i % 10] + _KO_GIVEN[(i * 7 + i // 10) % 12]
    return f"{_EN_FIRST[i % 12]} {_EN_LAST[(i * 5 + i // 12) % 12]}"


def _book(n: int, shelf: _Shelf, title: str, author: str, publisher: str | None) -> CatalogueBook:
    prefix = shelf.isbn_prefixes[(n // 4) % 2]
    first_twelve = f"{prefix}{n * 7919 + 104_729:0{12 - len(prefix)}d}"
    return CatalogueBook(
        isbn=first_twelve + str(isbn13_check_digit(first_twelve)),
        title=title,
        author=author,
        publisher=publisher,
        price=shelf.min_price + (n * 7 % shelf.price_steps) * shelf.price_step,
        stock=0 if n % 61 == 17 else 1 + (n * 37) % 200,
        discount_rate=shelf.discount_rate,
        points_rate=shelf.points_rate,
    )


def demo_catalogue() -> list[CatalogueBook]:
    """The demo catalogue: same books, in the same order, on every call."""
    entries = list(_CLASSICS)
    seen = {title for _, title, _, _ in entries}
    for i, (shelf, title) in enumerate(_generated_titles()):
        if title in seen:
            continue
        seen.add(title)
        # A few generated books have no known publisher (self-published).
        publisher = None if i % 37 == 36 else shelf.publishers[i % len(shelf.publishers)]
        entries.append((shelf, title, _author(shelf.korean, i), publisher))
    return [_book(n, *entry) for n, entry in enumerate(entries)]
