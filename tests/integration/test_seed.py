"""The demo catalogue loads once; loading it again changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from infrastructure.database.engine import create_engine
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.database.seed import seed_demo_catalogue
from infrastructure.database.tables import product_table, stock_table


async def test_seeding_twice_adds_the_catalogue_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    try:
        first = await seed_demo_catalogue(engine)
        second = await seed_demo_catalogue(engine)
        async with engine.connect() as conn:
            products = (
                await conn.execute(select(func.count()).select_from(product_table))
            ).scalar()
            stocked = (await conn.execute(select(func.count()).select_from(stock_table))).scalar()
    finally:
        await engine.dispose()
    assert first >= 200
    assert second == 0
    assert products == stocked == first
