"""Re-vendors GraphiQL and React from npm (maintainers only; needs Node's npm).

    python3 graphiql/vendor/refresh.py

`npm pack` fetches each pinned package and checks it against the registry's integrity; this
script also checks it against the integrity pinned below, then copies the browser builds and
licences the app serves into this folder. To move to other versions, change PACKAGES (the
integrity of a version: `npm view <name>@<version> dist.integrity`) and run it again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).parent

PACKAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    # name: (version, integrity of its npm tarball, {file in the package: file here})
    "graphiql": (
        "4.1.2",
        "sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg==",
        {
            "graphiql.min.js": "graphiql.min.js",
            "graphiql.min.css": "graphiql.min.css",
            "LICENSE": "LICENSE.graphiql",
        },
    ),
    "react": (
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {"umd/react.production.min.js": "react.production.min.js", "LICENSE": "LICENSE.react"},
    ),
    "react-dom": (
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {
            "umd/react-dom.production.min.js": "react-dom.production.min.js",
            "LICENSE": "LICENSE.react-dom",
        },
    ),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        for name, (version, integrity, files) in PACKAGES.items():
            packed = subprocess.run(
                ["npm", "pack", "--json", f"{name}@{version}"],
                cwd=work,
                check=True,
                capture_output=True,
                text=True,
            )
            [result] = json.loads(packed.stdout)
            if result["integrity"] != integrity:
                raise SystemExit(f"{name}@{version}: integrity {result['integrity']} is not pinned")
            with tarfile.open(Path(work) / result["filename"]) as tarball:
                for inside, here in files.items():
                    source = tarball.extractfile(f"package/{inside}")
                    assert source is not None, f"{name}@{version} has no {inside}"
                    with (HERE / here).open("wb") as target:
                        shutil.copyfileobj(source, target)
            sys.stdout.write(f"{name}@{version}: {', '.join(files.values())}\n")


if __name__ == "__main__":
    main()
