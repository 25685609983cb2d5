"""`Pulumi.yaml`'s `config:` block, written from the settings' declarations.

`.venv/bin/python -m podsandbox.stack.project_file` rewrites the project file's `config:` block
from `SETTINGS` (after a setting is added or changed); a test fails while the file is stale. The
rest of the file (its leading comments, name, description and runtime) is kept.
"""

from __future__ import annotations

import sys

import yaml

from podsandbox.stack.declarations import SETTINGS

WIDTH = 100
"""Line width of the written YAML."""


def render(text: str) -> str:
    """The project file `text` with its `config:` block made from `SETTINGS`."""
    comments = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    document = yaml.safe_load(text)
    document["config"] = {setting.key: setting.declaration() for setting in SETTINGS}
    return comments + yaml.safe_dump(document, sort_keys=False, width=WIDTH, allow_unicode=True)


def main() -> int:
    from podsandbox import default_project_dir

    path = default_project_dir() / "Pulumi.yaml"
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"Wrote the config block of {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
