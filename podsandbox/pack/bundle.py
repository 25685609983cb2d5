"""`podsandbox policy bundle DIR`: the policy pack made self-contained for `pulumi policy publish`.

`pulumi policy publish [org-name]` takes only an organization: it publishes the current folder,
and starts the pack locally before uploading it (pulumi/pulumi `pkg/cmd/pulumi/policy/
policy_publish.go`, `pkg/backend/httpstate/policypack.go`), so the folder needs its environment
first: `cd DIR && pulumi install && pulumi policy publish [ORG]`. `pulumi install` builds it from
PulumiPolicy.yaml's runtime options (a pip virtualenv, `venv`) and the folder's
requirements.txt. The repository's `policy/` installs the policies and rules from the repository
itself (`..`), which a published pack cannot reach. The bundle holds the pack's
two files, the modules of this package that the pack imports (found by reading their imports, so
that nothing the pack does not run is shipped) beside them, and a requirements.txt that names only
published packages: the CLI starts it as `python -u -m pulumi.policy <engine> <dir>`, which puts
the folder first on the path.

The pack's two files are written from here, so that the command works from an installed package
too; a test holds `policy/` to exactly what this module writes.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Optional

import podsandbox
from podsandbox.pack import metadata

PACKAGE = Path(podsandbox.__file__).resolve().parent
"""This package: the bundle copies the part of it the pack imports (`pack_modules`)."""

REQUIREMENTS = ["pulumi-policy>=1.21.0,<2.0.0", "PyYAML>=6.0,<7.0"]
"""What the pack's modules import besides the copied package: the policy SDK, and PyYAML (the
namespace a kubeconfig sets). A test holds this list to the third-party imports of what the
bundle ships."""


DATA_FILES = ["pack/resource_types.tsv"]
"""Files of this package the pack reads besides its modules (the classification of every
resource type, `podsandbox.pack.resource_types`)."""


class BundleError(ValueError):
    """The bundle cannot be written where asked."""


def pulumi_policy_yaml() -> str:
    """PulumiPolicy.yaml: the pack's runtime (its own venv, which `pulumi install` creates)."""
    return (
        f"description: {json.dumps(metadata.PACK_DESCRIPTION)}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        "    virtualenv: venv\n"
        f"version: {metadata.PACK_VERSION}\n"
    )


MAIN = '''"""The AKS Pod Sandboxing policy pack: `pulumi preview --policy-pack policy`.

Only the `PolicyPack(...)` call lives here, because it starts the pack's gRPC server and never
returns. The policies are `podsandbox.pack`, which the pack's environment installs
(requirements.txt) or, in a bundle for `pulumi policy publish`, sit beside this file.
"""

from pulumi_policy import PolicyPack

from podsandbox.pack import PACK_DESCRIPTION, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, description=PACK_DESCRIPTION, policies=POLICIES)
'''
"""The pack's __main__.py."""


def bundle(destination: Path) -> list[Path]:
    """Write the self-contained pack to `destination` (new or empty); the files written."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BundleError(
            f"{destination} is not an empty directory; choose a new one, e.g. dist/policy-pack"
        )
    destination.mkdir(parents=True, exist_ok=True)
    files = {
        "PulumiPolicy.yaml": pulumi_policy_yaml(),
        "__main__.py": MAIN,
        "requirements.txt": "# The bundled pack's environment: published packages only.\n"
        + "\n".join(REQUIREMENTS)
        + "\n",
    }
    written = []
    for name, text in files.items():
        (destination / name).write_text(text, encoding="utf-8")
        written.append(destination / name)
    for module in [*pack_modules(), *DATA_FILES]:
        target = destination / "podsandbox" / module
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy2(PACKAGE / module, target)))
    return written


def pack_modules() -> list[str]:
    """This package's modules that the pack's `__main__.py` imports, directly or through each
    other, with the `__init__.py` of every package on the way (importing a module runs them):
    paths relative to the package, sorted."""
    found: set[str] = set()
    pending = [name for name in _imports(ast.parse(MAIN), package="") if _file_of(name)]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            module = ".".join(parts[:depth])
            path = _file_of(module)
            if path is None or path in found:
                continue
            found.add(path)
            package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
            tree = ast.parse((PACKAGE / path).read_text(encoding="utf-8"))
            pending += [
                found_name for found_name in _imports(tree, package) if _file_of(found_name)
            ]
    return sorted(found)


def _imports(tree: ast.Module, package: str) -> list[str]:
    """The modules a module's code imports, anywhere in it: for `from X import Y`, X and X.Y (Y
    may be a submodule; a name that is not one is dropped by the caller)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def _file_of(module: str) -> Optional[str]:
    """The file of one of this package's modules, relative to the package; None for any other."""
    parts = module.split(".")
    if parts[0] != PACKAGE.name:
        return None
    relative = Path(*parts[1:]) if len(parts) > 1 else Path()
    if (PACKAGE / relative / "__init__.py").is_file():
        return (relative / "__init__.py").as_posix()
    if len(parts) > 1 and (PACKAGE / relative.with_suffix(".py")).is_file():
        return relative.with_suffix(".py").as_posix()
    return None
