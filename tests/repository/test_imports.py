"""Which way the arrows between folders run, read off every module's imports with `ast` (each
import statement, wherever it stands: inside a function or under `if TYPE_CHECKING:` too).

`schema/` → `resolvers/` → `domain/` ← `infrastructure/`; `infrastructure/http/` is the API's
edge (the endpoint, the web page, the webhook) and the one part of `infrastructure/` that may
reach the API's layers, but for the API's ports (`resolvers/ports.py`), which adapters
implement as they implement the domain's; `bootstrap.py` and `api_app.py` wire them all."""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).parents[2]
API_EDGE = "infrastructure.http"
API_PORTS = "resolvers.ports"


def _modules() -> dict[str, Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    modules = {}
    for name in tracked:
        parts = list(Path(name).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = ROOT / name
    return modules


MODULES = _modules()


def _imported(module: str, path: Path) -> set[str]:
    """Every name `module` imports, as written (relative imports resolved), and for `from a
    import b` also `a.b`, which is a module when b is one."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    """Module → the modules of this repository it imports."""
    return {
        module: {name for name in _imported(module, path) if name in MODULES and name != module}
        for module, path in MODULES.items()
    }


GRAPH = _graph()


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def _crossing(
    source: str, *targets: str, allowed_from: tuple[str, ...] = (), except_: str = ""
) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, imported in GRAPH.items()
        if _under(module, source) and not _under(module, *allowed_from)
        for name in imported
        if _under(name, *targets) and name != except_
    )


def test_the_graph_is_read_from_the_tree() -> None:
    assert "resolvers.common.context" in GRAPH["schema.orders.types"]
    assert "domain.order" in GRAPH["infrastructure.database.repositories.orders"]


def test_no_module_imports_itself_through_others() -> None:
    try:
        TopologicalSorter(GRAPH).prepare()
    except CycleError as circle:
        raise AssertionError(f"an import circle: {' → '.join(circle.args[1])}") from None


def test_the_domain_imports_nothing_outside_it_but_the_standard_library() -> None:
    outside = []
    for module, path in MODULES.items():
        if not _under(module, "domain"):
            continue
        for name in _imported(module, path):
            top = name.partition(".")[0]
            if top not in ("domain", "__future__") and top not in sys.stdlib_module_names:
                outside.append(f"{module} imports {name}")
    assert sorted(set(outside)) == []


def test_resolvers_never_import_the_schema() -> None:
    assert _crossing("resolvers", "schema") == []


def test_only_the_api_edge_of_infrastructure_imports_the_api() -> None:
    crossing = _crossing(
        "infrastructure", "schema", "resolvers", allowed_from=(API_EDGE,), except_=API_PORTS
    )
    assert crossing == []


def test_the_domain_declares_no_port_only_the_api_calls() -> None:
    """The API's ports are the API's: none of them is named in `domain/`."""
    api_ports = {"ReadStore", "MemberDirectory", "TokenVerifier", "RateLimiter", "Bucket"}
    api_ports |= {"StatusFeed", "ApiMetrics"}
    named = {
        node.name
        for path in (ROOT / "domain").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    }
    assert named & api_ports == set()
