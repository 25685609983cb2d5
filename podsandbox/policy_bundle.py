"""`podsandbox policy bundle DIR`: the policy pack made self-contained for `pulumi policy publish`.

`pulumi policy publish` uploads the pack's folder alone, and the CLI builds the pack's environment
from that folder's requirements.txt. The repository's `policy/` installs the policies and rules
from the repository itself (`..`), which a published pack cannot reach. The bundle holds the pack's
two files, the package's policies and rules (standard library and the policy SDK only) beside
them, and a requirements.txt that names only published packages: the CLI starts it as
`python -u -m pulumi.policy <engine> <dir>`, which puts the folder first on the path.

The pack's two files are written from here, so that the command works from an installed package
too; a test holds `policy/` to exactly what this module writes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import podsandbox
from podsandbox import policies

PACKAGE = Path(podsandbox.__file__).resolve().parent
"""This package: its `__init__.py`, `policies.py`, `rules/` and `guardrail/plan.py` are what the
pack imports."""

REQUIREMENTS = ["pulumi-policy>=1.21.0,<2.0.0"]
"""What the pack needs besides the copied package (the policy SDK brings the Pulumi SDK)."""


class BundleError(ValueError):
    """The bundle cannot be written where asked."""


def pulumi_policy_yaml() -> str:
    """PulumiPolicy.yaml: the pack's runtime (its own venv, which `pulumi install` creates)."""
    return (
        f"description: {json.dumps(policies.PACK_DESCRIPTION)}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        "    virtualenv: venv\n"
        f"version: {policies.PACK_VERSION}\n"
    )


MAIN = '''"""The AKS Pod Sandboxing policy pack: `pulumi preview --policy-pack policy`.

Only the `PolicyPack(...)` call lives here, because it starts the pack's gRPC server and never
returns. The policies are `podsandbox.policies`, which the pack's environment installs
(requirements.txt) or, in a bundle for `pulumi policy publish`, sit beside this file.
"""

from pulumi_policy import PolicyPack

from podsandbox.policies import PACK_DESCRIPTION, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, description=PACK_DESCRIPTION, policies=POLICIES)
'''
"""The pack's __main__.py."""


def bundle(destination: Path) -> list[Path]:
    """Write the self-contained pack to `destination` (new or empty); the files written."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BundleError(
            f"{destination} is not an empty directory; choose a new one, e.g. dist/policy-pack"
        )
    for folder in ("rules", "guardrail", "karpenter"):
        (destination / "podsandbox" / folder).mkdir(parents=True)
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
    modules = ("__init__.py", "policies.py", *PACK_GUARDRAIL_MODULES,
               *(f"rules/{p.name}" for p in _rule_modules()))  # fmt: skip
    for module in modules:
        written.append(Path(shutil.copy2(PACKAGE / module, destination / "podsandbox" / module)))
    return written


PACK_GUARDRAIL_MODULES = (
    "guardrail/__init__.py",
    "guardrail/plan.py",
    "karpenter/__init__.py",
    "karpenter/node_pool.py",
)
"""What the rules import from outside `rules/`: the in-cluster guardrail's plan (which namespaces a
binding selects) and Karpenter's node pool settings (which the stack settings read)."""


def _rule_modules() -> list[Path]:
    return sorted((PACKAGE / "rules").glob("*.py"))
