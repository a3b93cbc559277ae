"""Queries drawn from our schema by hypothesis-graphql for the differential test of the compiled
execution path: a stored corpus (drawn once, from a fixed seed) and fresh draws.

`python -m tests.e2e.differential_corpus` draws the stored corpus again (a few minutes).
"""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as given_seed
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

STORED = Path(__file__).with_name("differential_queries.graphql")
STORED_COUNT = 3000
STORED_SEED = 20261202
SEPARATOR = "\n# ----\n"
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(
        lambda moment: nodes.String(moment.isoformat())
    ),
}


def generated_documents(schema_sdl: str, count: int, seed: int) -> list[str]:
    """`count` queries drawn from the schema (fewer once duplicates go), the same ones for the
    same seed and schema."""
    drawn: list[str] = []

    @given_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(queries(schema_sdl, custom_scalars=SCALARS))
    def collect(document: str) -> None:
        drawn.append(document)

    collect()
    return list(dict.fromkeys(drawn))


def stored_documents() -> list[str]:
    return [text for text in STORED.read_text(encoding="utf-8").split(SEPARATOR) if text.strip()]


def main() -> None:
    from schema.root import build_schema

    documents = generated_documents(build_schema().as_str(), STORED_COUNT, STORED_SEED)
    STORED.write_text(SEPARATOR.join(documents) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(documents)} documents in {STORED}\n")


if __name__ == "__main__":
    main()
