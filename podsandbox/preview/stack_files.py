"""Read a Pulumi project and a stack's config the way the Pulumi CLI does, without the CLI.

`Pulumi.yaml` gives the project name and the config defaults; `Pulumi.<stack>.yaml` (or any
stack file) gives the stack's values. The result is the flat map of qualified keys to strings
that a program sees at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml


class ProjectError(ValueError):
    """The project or stack files are missing or malformed."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]
    """Qualified keys (`project:key`, `azure-native:location`) to string values."""
    source: Path
    """The stack file the values came from."""
    undeclared: tuple[str, ...] = ()
    """Project-namespace keys the stack sets but Pulumi.yaml does not declare (likely typos)."""
    main: str = "__main__.py"
    """The program's entry point, relative to its directory (Pulumi.yaml's `main`)."""


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path} does not exist") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path} is not valid YAML: {error}") from None


def config_string(value: Any) -> str:
    """How the CLI hands a config value to a program: text, with structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def load_project(program_dir: Path) -> tuple[str, dict[str, str], set[str], str]:
    """The project name, its config defaults and declared keys (qualified), its entry point.

    Only Python programs can run offline (in this process, under the Python SDK's mocks).
    """
    if not program_dir.is_dir():
        raise ProjectError(f"{program_dir} is not a directory")
    path = program_dir / "Pulumi.yaml"
    if not path.exists():
        raise ProjectError(f"{program_dir} has no Pulumi.yaml; it is not a Pulumi project")
    document = _load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise ProjectError(f"{path} has no project name (`name:`)")
    project: str = document["name"]
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(
            f"{path}: runtime {runtime_name!r} is not supported offline; the preview runs Python "
            "programs (runtime: python) under the Pulumi Python SDK's mocks"
        )
    main = str(document.get("main") or "__main__.py")
    entry = program_dir / main
    if entry.is_dir():
        entry = entry / "__main__.py"
    if not entry.is_file():
        raise ProjectError(f"{program_dir}: the program's entry point {entry.name} is missing")
    defaults: dict[str, str] = {}
    declared: set[str] = set()
    for key, declaration in (document.get("config") or {}).items():
        qualified = key if ":" in key else f"{project}:{key}"
        declared.add(qualified)
        if isinstance(declaration, dict):
            value = declaration.get("value", declaration.get("default"))
        else:
            value = declaration
        if value is not None:
            defaults[qualified] = config_string(value)
    return project, defaults, declared, str(entry.relative_to(program_dir))


def load_stack_config(
    program_dir: Path, stack: Optional[str] = None, config_file: Optional[Path] = None
) -> StackConfig:
    """Project defaults overlaid with the stack file (`Pulumi.<stack>.yaml` or `config_file`)."""
    project, config, declared, main = load_project(program_dir)
    if config_file is None:
        config_file = program_dir / f"Pulumi.{stack or 'dev'}.yaml"
        if not config_file.exists():
            raise ProjectError(
                f"no stack file {config_file.name} in {program_dir}; pass --stack with one of: "
                + (", ".join(sorted(_stack_names(program_dir))) or "(none found)")
            )
    stack_name = stack or config_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    document = _load_yaml(config_file) or {}
    if not isinstance(document, dict):
        raise ProjectError(f"{config_file} is not a stack file (a mapping with `config:`)")
    values = document.get("config") or {}
    if not isinstance(values, dict):
        raise ProjectError(f"{config_file}: `config:` must be a mapping of keys to values")
    for key, value in values.items():
        qualified = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and "secure" in value:
            raise ProjectError(
                f"{config_file}: {key} is an encrypted secret, which only the Pulumi CLI can "
                "decrypt; the offline preview needs a stack file without secure values"
            )
        config[qualified] = config_string(value)
    undeclared = tuple(
        sorted(
            key
            for key in config
            if declared and key.startswith(f"{project}:") and key not in declared
        )
    )
    return StackConfig(project, stack_name, config, config_file, undeclared, main)


def _stack_names(program_dir: Path) -> list[str]:
    return [
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in program_dir.glob("Pulumi.*.yaml")
    ]
