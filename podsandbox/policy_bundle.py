"""`podsandbox policy bundle DIR`: the policy pack made self-contained for `pulumi policy publish`.

`pulumi policy publish` uploads the pack's folder alone, and the CLI builds the pack's environment
from that folder's requirements.txt. The repository's `policy/` installs the rules from the
repository itself (`..`), which a published pack cannot reach. The bundle is a copy of the pack
with the rules package beside it (standard library only), and a requirements.txt that names only
published packages: the CLI starts it as `python -u -m pulumi.policy <engine> <dir>`, which puts
the folder first on the path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import podsandbox
from podsandbox import POLICY_PACK_DIR

PACK_FILES = ("PulumiPolicy.yaml", "__main__.py", "sandbox_policies.py")
RULES_PACKAGE = Path(podsandbox.__file__).resolve().parent
"""This package: its `__init__.py` and its `rules/` are what the pack imports."""


class BundleError(ValueError):
    """The bundle cannot be written where asked."""


def published_requirements(requirements: str) -> list[str]:
    """The requirement lines that name a published package (no local path, no editable)."""
    found = []
    for line in requirements.splitlines():
        spec = line.split("#", 1)[0].strip()
        if not spec or spec.startswith((".", "/", "-")) or "file:" in spec:
            continue
        found.append(spec)
    return found


def bundle(destination: Path, policy_dir: Path = POLICY_PACK_DIR) -> list[Path]:
    """Write the self-contained pack to `destination` (new or empty); the files written."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BundleError(
            f"{destination} is not an empty directory; choose a new one, e.g. dist/policy-pack"
        )
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for name in PACK_FILES:
        written.append(Path(shutil.copy2(policy_dir / name, destination / name)))
    package = destination / "podsandbox"
    (package / "rules").mkdir(parents=True)
    written.append(Path(shutil.copy2(RULES_PACKAGE / "__init__.py", package / "__init__.py")))
    for module in sorted((RULES_PACKAGE / "rules").glob("*.py")):
        written.append(Path(shutil.copy2(module, package / "rules" / module.name)))
    requirements = published_requirements((policy_dir / "requirements.txt").read_text())
    target = destination / "requirements.txt"
    target.write_text(
        "# The bundled pack's environment: published packages only (the rules: podsandbox/).\n"
        + "\n".join(requirements)
        + "\n",
        encoding="utf-8",
    )
    written.append(target)
    return written
