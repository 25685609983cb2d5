"""Read a Pulumi project and a stack's config the way the Pulumi CLI does, without the CLI.

`Pulumi.yaml` gives the project name and the config defaults; `Pulumi.<stack>.yaml` (or any
stack file) gives the stack's values. The result is the flat map of qualified keys to strings
that a program sees at run time.

The files may come from a pull request, so they are read defensively: text must be UTF-8 and
bounded, YAML may not repeat a key (the CLI's parser refuses that too), nest too deeply or expand
aliases without bound, and nothing the offline run cannot really read (encrypted `secure:`
values, Pulumi ESC `environment:` imports) is passed on or silently left out. Every such problem
is a `ProjectError` with one line to say it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from podsandbox.stack.reading import FileReadError, read_bounded


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
    secret_keys: tuple[str, ...] = ()
    """Qualified keys Pulumi.yaml declares `secret: true`: the program reads them as secrets."""
    text: str = ""
    """The stack file's text as it was read, once (reports locate settings in it)."""


@dataclass(frozen=True)
class Project:
    """What `Pulumi.yaml` says that the offline run needs."""

    name: str
    defaults: dict[str, str]
    """Config defaults, by qualified key."""
    declared: set[str]
    """Every declared config key, qualified."""
    main: str
    """The entry point, relative to the project's directory."""
    stack_dir: Path
    """Where its stack files are (`stackConfigDir`, or the project's directory)."""
    secret_keys: frozenset[str] = frozenset()
    """Declared keys marked `secret: true`, qualified."""


MAX_FILE_BYTES = 1_000_000
"""A project or stack file larger than this is refused (real ones are a few kilobytes)."""
MAX_DEPTH = 64
"""How deeply YAML collections may nest."""
MAX_NODES = 100_000
"""How many values a document may hold once its aliases are expanded (a "billion laughs" document
holds few nodes but expands to billions)."""


class _NoDuplicateKeysLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; the CLI's YAML parser refuses the document."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _expanded_size(node: yaml.Node) -> int:
    """The number of values `node` stands for with every alias expanded; raises past limits."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ProjectError(f"nests collections more than {MAX_DEPTH} levels deep")
        if id(current) in sizes:
            return sizes[id(current)]
        children: list[yaml.Node] = []
        if isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [part for pair in current.value for part in pair]
        total = 1 + sum(size(child, depth + 1) for child in children)
        if total > MAX_NODES:
            raise ProjectError(f"expands to more than {MAX_NODES} values (aliases)")
        sizes[id(current)] = total
        return total

    return size(node, 0)


def _read_text(path: Path) -> str:
    """A project or stack file's text, read once within `MAX_FILE_BYTES` (`read_bounded`: a FIFO
    or a file grown after the check is refused), or `ProjectError` saying why not."""
    try:
        return read_bounded(path, MAX_FILE_BYTES).decode("utf-8")
    except FileReadError as error:
        raise ProjectError(str(error)) from None
    except UnicodeDecodeError as error:
        raise ProjectError(
            f"{path} is not UTF-8 text (byte {error.start} cannot be decoded)"
        ) from None


def _load_yaml(path: Path, text: Optional[str] = None) -> Any:
    """A YAML file's document (from `text`, the file's, when already read), or `ProjectError`
    with one line saying why it cannot be read."""
    if text is None:
        text = _read_text(path)
    try:
        node = yaml.compose(text, Loader=_NoDuplicateKeysLoader)
        if node is None:
            return None
        _expanded_size(node)
        loader = _NoDuplicateKeysLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except ProjectError as error:
        raise ProjectError(f"{path} {error}") from None
    except RecursionError:
        raise ProjectError(f"{path} nests collections too deeply to read") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path} is not valid YAML: {_one_line(error)}") from None


def _one_line(error: yaml.YAMLError) -> str:
    """A YAML error as one line: what went wrong and where."""
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or error.context or "invalid YAML"
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{problem}{where}"
    return " ".join(str(error).split())


def config_string(value: Any) -> str:
    """How the CLI hands a config value to a program: text, with structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _inside(program_dir: Path, relative: str, what: str, path: Path) -> Path:
    """`program_dir / relative`, refused when it is absolute or leaves the project's directory."""
    if Path(relative).is_absolute():
        raise ProjectError(f"{path}: {what} {relative!r} is an absolute path; it must be relative "
                           "to the project's directory")  # fmt: skip
    target = (program_dir / relative).resolve()
    if not target.is_relative_to(program_dir.resolve()):
        raise ProjectError(f"{path}: {what} {relative!r} leads outside the project's directory")
    return target


def read_project(program_dir: Path) -> Project:
    """The project's name, config declarations, entry point and stack-file folder.

    Only Python programs can run offline (under the Python SDK's mocks).
    """
    if not program_dir.is_dir():
        raise ProjectError(
            f"{program_dir} is not a directory (a file, a FIFO or missing): give the folder of a "
            "Pulumi project (its Pulumi.yaml), e.g. --program ./infra"
        )
    path = program_dir / "Pulumi.yaml"
    if not path.exists():
        raise ProjectError(f"{program_dir} has no Pulumi.yaml; it is not a Pulumi project")
    document = _load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise ProjectError(f"{path} has no project name (`name:`)")
    project: str = document["name"]
    if (problem := project_name_problem(project)) is not None:
        raise ProjectError(
            f"{path}: project name {project!r} is not valid: {problem}. Allowed: 1 to "
            f"{MAX_PROJECT_NAME} letters, digits, hyphens, underscores and periods. Example: "
            "name: team-aks"
        )
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(
            f"{path}: runtime {runtime_name!r} is not supported offline; the preview runs Python "
            "programs (runtime: python) under the Pulumi Python SDK's mocks"
        )
    main = document.get("main") or "__main__.py"
    if not isinstance(main, str):
        raise ProjectError(f"{path}: `main:` must be a path, not {type(main).__name__}")
    entry = _inside(program_dir, main, "main", path)
    if entry.is_dir():
        entry = entry / "__main__.py"
    if not entry.is_file():
        raise ProjectError(f"{program_dir}: the program's entry point {entry.name} is missing")
    stack_dir_text = document.get("stackConfigDir")
    if stack_dir_text is not None and not isinstance(stack_dir_text, str):
        raise ProjectError(f"{path}: `stackConfigDir:` must be a path")
    stack_dir = (
        _inside(program_dir, stack_dir_text, "stackConfigDir", path)
        if stack_dir_text
        else program_dir
    )
    declarations = document.get("config") or {}
    if not isinstance(declarations, dict):
        raise ProjectError(f"{path}: `config:` must be a mapping of keys to declarations")
    defaults: dict[str, str] = {}
    declared: set[str] = set()
    secret_keys: set[str] = set()
    for key, declaration in declarations.items():
        qualified = _qualified(key, project, path)
        declared.add(qualified)
        if isinstance(declaration, dict):
            value = declaration.get("value", declaration.get("default"))
            if declaration.get("secret") is True:
                secret_keys.add(qualified)
        else:
            value = declaration
        if value is not None:
            defaults[qualified] = config_string(value)
    return Project(
        project,
        defaults,
        declared,
        str(entry.relative_to(program_dir.resolve())),
        stack_dir,
        frozenset(secret_keys),
    )


MAX_PROJECT_NAME = 100
"""The longest project name the engine takes (pulumi/pulumi sdk/go/common/tokens/project.go)."""
_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]+")
"""`tokens.IsName` (sdk/go/common/tokens/names.go): since pulumi/pulumi#9163 the first character
may be a digit or a hyphen too."""


def project_name_problem(name: str) -> Optional[str]:
    """Why pulumi/pulumi's `tokens.ValidateProjectName` refuses `name` (its words), or None."""
    if name == "":
        return "project names may not be empty"
    if len(name.encode("utf-8")) > MAX_PROJECT_NAME:
        return f"project names are limited to {MAX_PROJECT_NAME} characters"
    if not _PROJECT_NAME.fullmatch(name):
        return "project names may only contain alphanumerics, hyphens, underscores, and periods"
    return None


def _qualified(key: object, project: str, path: Path) -> str:
    if not isinstance(key, str) or not key:
        raise ProjectError(f"{path}: config key {key!r} is not a name")
    return key if ":" in key else f"{project}:{key}"


def _secure_path(value: Any, path: str) -> Optional[str]:
    """Where in `value` an encrypted (`secure:`) value sits, if anywhere."""
    if isinstance(value, dict):
        if "secure" in value:
            return path
        for key, item in value.items():
            if (found := _secure_path(item, f"{path}.{key}")) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _secure_path(item, f"{path}[{index}]")) is not None:
                return found
    return None


def load_stack_config(
    program_dir: Path, stack: Optional[str] = None, config_file: Optional[Path] = None
) -> StackConfig:
    """Project defaults overlaid with the stack file (`Pulumi.<stack>.yaml` or `config_file`)."""
    project = read_project(program_dir)
    config = dict(project.defaults)
    if config_file is None:
        config_file = project.stack_dir / f"Pulumi.{stack or 'dev'}.yaml"
        if not config_file.exists():
            raise ProjectError(
                f"no stack file {config_file.name} in {project.stack_dir}; pass --stack with one "
                "of: " + (", ".join(sorted(_stack_names(project.stack_dir))) or "(none found)")
            )
    stack_name = stack or config_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    text = _read_text(config_file)
    document = _load_yaml(config_file, text) or {}
    if not isinstance(document, dict):
        raise ProjectError(f"{config_file} is not a stack file (a mapping with `config:`)")
    if document.get("environment"):
        raise ProjectError(
            f"{config_file} imports Pulumi ESC environments (`environment:`), whose values only "
            "the Pulumi CLI can read; the offline preview would judge the stack without them"
        )
    values = document.get("config") or {}
    if not isinstance(values, dict):
        raise ProjectError(f"{config_file}: `config:` must be a mapping of keys to values")
    for key, value in values.items():
        qualified = _qualified(key, project.name, config_file)
        if (where := _secure_path(value, str(key))) is not None:
            raise ProjectError(
                f"{config_file}: {where} is an encrypted secret, which only the Pulumi CLI can "
                "decrypt; the offline preview needs a stack file without secure values"
            )
        config[qualified] = config_string(value)
    undeclared = tuple(
        sorted(
            key
            for key in config
            if project.declared
            and key.startswith(f"{project.name}:")
            and key not in project.declared
        )
    )
    return StackConfig(
        project.name,
        stack_name,
        config,
        config_file,
        undeclared,
        project.main,
        tuple(sorted(project.secret_keys)),
        text,
    )


def _stack_names(program_dir: Path) -> list[str]:
    return [
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in program_dir.glob("Pulumi.*.yaml")
    ]
