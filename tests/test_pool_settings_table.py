"""The pool settings' table (rules/pool_settings.py) is the one place a pool option is described:
the typed options, the components' inputs and the SDK's engine names are held to it, and each
option's name is spelled in at most three production files."""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize
import typing
from pathlib import Path

import pytest
from pulumi_azure_native import containerservice

from podsandbox.components.agent_pool import PoolOptionsArgs, option_inputs, set_pool_options
from podsandbox.rules import pool_settings
from podsandbox.rules.pool_limits import PoolOptions
from podsandbox.rules.pool_settings import POOL_SETTINGS
from podsandbox.stack import SETTINGS_BY_KEY
from tests.conftest import REPO

PRODUCTION = sorted(
    [*(REPO / "podsandbox").rglob("*.py"), REPO / "__main__.py", REPO / "config.py"]
)
MEASURED = ("maxPods", "osDiskSizeGb", "availabilityZones", "nodeTaints")
"""The issue's measure: each option spelled in at most three production files."""


def test_the_named_rows_are_the_options_they_say():
    named = {
        "AUTOSCALING": "enableAutoScaling", "LOWEST": "minCount", "HIGHEST": "maxCount",
        "PODS_PER_NODE": "maxPods", "TAINTS": "nodeTaints",
    }  # fmt: skip
    assert {handle: getattr(pool_settings, handle).name for handle in named} == named


def test_the_typed_options_are_the_tables_rows():
    assert [f.name for f in dataclasses.fields(PoolOptions)] == [s.field for s in POOL_SETTINGS]


def docstrings(cls: type) -> dict[str, str]:
    """Each annotated field's docstring, as the schema inference reads it."""
    source = Path(typing.cast(str, __import__("inspect").getsourcefile(cls))).read_text()
    [node] = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)
              and n.name == cls.__name__]  # fmt: skip
    found = {}
    for field, doc in zip(node.body, node.body[1:], strict=False):
        if isinstance(field, ast.AnnAssign) and isinstance(doc, ast.Expr):
            assert isinstance(field.target, ast.Name)
            found[field.target.id] = " ".join(str(ast.literal_eval(doc.value)).split())
    return found


def test_the_components_inputs_are_the_tables_rows():
    hints = typing.get_type_hints(PoolOptionsArgs, include_extras=True)
    assert list(hints) == [setting.field for setting in POOL_SETTINGS]
    for setting in POOL_SETTINGS:
        assert typing.get_origin(hints[setting.field]) is typing.NotRequired
        [inner] = typing.get_args(hints[setting.field])
        assert (typing.get_origin(inner) or inner) is setting.kind, setting.name
    assert docstrings(PoolOptionsArgs) == {s.field: s.description for s in POOL_SETTINGS}


@pytest.mark.parametrize(
    "args", [containerservice.AgentPoolArgs, containerservice.ManagedClusterAgentPoolProfileArgs]
)
def test_the_engine_names_are_the_sdks(args):
    # The SDK maps each Python input to its engine name with @pulumi.getter(name=...); a nested
    # one's getter is typed with the nested map's own args class (AgentPoolUpgradeSettingsArgs).
    for setting in POOL_SETTINGS:
        names, here = [], args
        for index, python_name in enumerate(setting.sdk_path):
            getter = getattr(here, python_name).fget
            names.append(getter._pulumi_name)
            if index < len(setting.sdk_path) - 1:
                reference = typing.get_args(getter.__annotations__["return"])[0]
                here = getattr(containerservice, reference.__forward_arg__)
        assert tuple(names) == setting.engine_path, setting.name


def test_a_nested_setting_reaches_every_body_nested():
    surge = pool_settings.BY_NAME["maxSurge"]
    assert surge.engine_path == ("upgradeSettings", "maxSurge")
    assert surge.sdk_path == ("upgrade_settings", "max_surge")
    options = PoolOptions(max_surge="33%", max_pods=50)
    assert options.engine_inputs() == {"maxPods": 50, "upgradeSettings": {"maxSurge": "33%"}}
    assert option_inputs(options) == {"max_pods": 50, "upgrade_settings": {"max_surge": "33%"}}
    args: dict[str, object] = {}
    set_pool_options(typing.cast(PoolOptionsArgs, args), options)
    assert args == {"max_pods": 50, "max_surge": "33%"}  # the component's inputs stay flat


def test_the_first_pools_stack_settings_come_from_the_table():
    for setting in POOL_SETTINGS:
        declared = SETTINGS_BY_KEY[setting.config_key]
        assert (declared.type, declared.default, declared.description) == (
            setting.config_type, setting.config_default, setting.config_description,
        )  # fmt: skip


def code_without_comments_and_docstrings(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    skipped: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            is_text = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            if is_text and isinstance(statement.value.value, str):  # a docstring
                follows = index == 0 or isinstance(body[index - 1], (ast.Assign, ast.AnnAssign))
                if follows:
                    skipped.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(
        token.string for token in tokens
        if token.type != tokenize.COMMENT and token.start[0] not in skipped
    )  # fmt: skip


def spelled(name: str) -> re.Pattern[str]:
    """The name in any spelling, case ignored: maxPods, max_pods, MAX_PODS, nodeMaxPods."""
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)
    return re.compile("_?".join(words), re.IGNORECASE)


@pytest.mark.reads_source
@pytest.mark.parametrize("name", MEASURED)
def test_an_option_is_spelled_in_at_most_three_production_files(name):
    found = [
        path.relative_to(REPO).as_posix()
        for path in PRODUCTION
        if spelled(name).search(code_without_comments_and_docstrings(path))
    ]
    assert len(found) <= 3, found


def test_the_spelling_search_finds_every_spelling():
    for text in ("maxPods", "max_pods", "MAX_PODS", "nodeMaxPods", "MaxPods"):
        assert spelled("maxPods").search(text), text
    assert not spelled("maxPods").search("max_count pods")


def test_each_option_fixed_at_creation_cites_its_source():
    fixed = [setting for setting in POOL_SETTINGS if setting.fixed_at_creation]
    assert {setting.engine_name for setting in fixed} == set(pool_settings.FIXED_AT_CREATION)
    for setting in fixed:
        source, _, words = setting.fixed_at_creation.partition(": ")
        assert source and words.startswith('"') and words.endswith('"'), setting.name
