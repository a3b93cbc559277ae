"""Staff changes to the catalogue: new books, their rates under 도서정가제, and stock
corrections."""

from __future__ import annotations

from domain.commands import AdjustStock, ChangeBookRates, CreateProduct
from domain.ports import UnitOfWorkFactory
from domain.problems import ProblemCode, refuse
from domain.validation import check_create_product, check_stock_change


async def create_product(command: CreateProduct, uow: UnitOfWorkFactory) -> int:
    check_create_product(command)
    async with uow() as work:
        product_id = await work.catalogue.add_product(command)
        if product_id is None:
            raise refuse(ProblemCode.CONFLICT, "a book with this ISBN exists already", ("isbn",))
        await work.commit()
    return product_id


async def change_rates(command: ChangeBookRates, uow: UnitOfWorkFactory) -> None:
    """Set a book's discount and points rates; orders placed already keep theirs (each line
    snapshots the rates of its moment)."""
    command.rates.check()
    async with uow() as work:
        if not await work.catalogue.set_rates(command.product_id, command.rates):
            raise refuse(ProblemCode.NOT_FOUND, "no book has this id", ("productId",))
        work.products_changed([command.product_id])
        await work.commit()


async def adjust_stock(command: AdjustStock, uow: UnitOfWorkFactory) -> None:
    """Add delta to the available quantity; a removal below zero is refused, never clipped."""
    check_stock_change(command.delta)
    async with uow() as work:
        if not await work.catalogue.prices([command.product_id]):
            raise refuse(ProblemCode.NOT_FOUND, "no book has this id", ("productId",))
        if not await work.catalogue.adjust_available(command.product_id, command.delta):
            raise refuse(
                ProblemCode.INVALID_STATE,
                f"removing {-command.delta} would take the available stock below zero",
                ("delta",),
            )
        work.products_changed([command.product_id])
        await work.commit()
