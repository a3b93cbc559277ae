"""The npm clients under tests/clients (graphql-ws, graphql-http), run with the machine's Node.

`make test` installs them with `npm ci`; `make run` never needs Node."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CLIENTS = Path(__file__).parents[1] / "clients"
LINE_DEADLINE_SECONDS = 60.0


class NodeClient:
    """A running client script that prints one JSON object per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    async def next_line(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), LINE_DEADLINE_SECONDS)
        assert line, f"the client ended without printing: {await self._stderr()}"
        parsed: dict[str, Any] = json.loads(line)
        return parsed

    async def remaining_lines(self) -> list[dict[str, Any]]:
        """Every line until the client ends."""
        assert self._process.stdout is not None
        output = await asyncio.wait_for(self._process.stdout.read(), LINE_DEADLINE_SECONDS)
        return [json.loads(line) for line in output.decode().splitlines() if line.strip()]

    async def finish(self) -> tuple[int, str]:
        """The exit code and what the client printed on stderr."""
        code = await asyncio.wait_for(self._process.wait(), LINE_DEADLINE_SECONDS)
        return code, await self._stderr()

    async def _stderr(self) -> str:
        assert self._process.stderr is not None
        return (await self._process.stderr.read()).decode().strip()


@asynccontextmanager
async def run_node_client(script: str, *args: str) -> AsyncIterator[NodeClient]:
    node = shutil.which("node")
    assert node is not None, "the tests need the machine's Node (20 or newer)"
    assert (CLIENTS / "node_modules").is_dir(), "install the clients: npm ci in tests/clients"
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENTS / script),
        *args,
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield NodeClient(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
