"""AKS Pod Sandboxing: the sandboxing rules, and the command line around `pulumi up`.

`podsandbox.rules` is the rules library (standard library only): what the program, its components,
the policy pack and the command line all judge with. `podsandbox.preview` (the offline preview)
and `podsandbox.verify` (the post-deploy proof) need the `program` extra.
"""

from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
"""The clone this package runs from (the checkout, or an editable install of it): the Pulumi
program, its stack files and the policy pack that the command line uses by default."""


def default_project_dir() -> Path:
    """The Pulumi project the command line works on when none is named: this repository when the
    package runs from its checkout (or an editable install of it), else the current folder."""
    return REPOSITORY_ROOT if (REPOSITORY_ROOT / "Pulumi.yaml").is_file() else Path.cwd()
