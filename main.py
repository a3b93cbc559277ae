"""The command line of the order service: run, serve, migrate, seed, token."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
import uvicorn

from bootstrap import build_services, create_app, warn_about_settings
from domain.member import Role
from infrastructure.auth import mint_token
from infrastructure.database.engine import create_engine
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.database.seed import seed_demo_catalogue
from infrastructure.settings import Settings, SettingsError, load_settings

cli = typer.Typer(
    help="Order service of an online bookstore.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    warn_about_settings(settings)
    return settings


async def _seed(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        return await seed_demo_catalogue(engine)
    finally:
        await engine.dispose()


@cli.callback()
def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@cli.command()
def migrate() -> None:
    """Apply every pending database migration."""
    settings = _settings()
    upgrade_to_head(settings.database_url)
    typer.echo("database is at the latest migration")


@cli.command()
def seed() -> None:
    """Load the demo catalogue (books already present are left alone)."""
    settings = _settings()
    added = asyncio.run(_seed(settings))
    typer.echo(f"demo catalogue: {added} books added")


@cli.command()
def serve() -> None:
    """Serve the GraphQL API (production role: API only)."""
    settings = _settings()
    uvicorn.run(
        "bootstrap:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level="info",
    )


@cli.command()
def run() -> None:
    """Everything in one process on the configured services: migrate, seed, serve."""
    settings = _settings()
    upgrade_to_head(settings.database_url)
    added = asyncio.run(_seed(settings))
    if added:
        typer.echo(f"demo catalogue: {added} books added")
    typer.echo(f"GraphiQL: http://{settings.host}:{settings.port}/graphql")
    app = create_app(build_services(settings), own_services=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


@cli.command()
def token(
    member: Annotated[str, typer.Option(help="member id (the token's sub)")],
    role: Annotated[Role, typer.Option(help="customer or staff")] = Role.CUSTOMER,
    name: Annotated[str | None, typer.Option(help="display name claim")] = None,
    email: Annotated[str | None, typer.Option(help="email claim")] = None,
) -> None:
    """Mint a development bearer token signed with ORDERS_JWT_SECRET."""
    settings = _settings()
    if settings.is_production:
        typer.echo("token: refusing to mint tokens in production", err=True)
        raise typer.Exit(code=2)
    typer.echo(
        mint_token(
            secret=settings.effective_jwt_secret,
            member_id=member,
            role=role,
            name=name,
            email=email,
        )
    )


if __name__ == "__main__":
    cli()
