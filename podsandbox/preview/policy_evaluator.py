"""Evaluate the policy pack over a recorded program run, the way the Pulumi engine does.

The engine talks to a policy pack through the Analyzer gRPC service that the policy SDK's
`PolicyPack` serves: `Configure` with each policy's enforcement level and config, `Analyze` for
every resource, `AnalyzeStack` once. Two evaluators live here:

- the reference (`tests/sdk_analyzer.py`) sends those very requests to the servicer the SDK builds
  (without starting its server), with the SDK's own behaviour for enforcement levels, config,
  unknown values ("can't run policy during preview") and messages;
- `Analyzer`, what the preview uses, does the same per resource with the SDK's public pieces
  (`deserialize_properties`, `unknown_checking_proxy`, `ResourceValidationArgs`, ...) but
  converts each resource's properties once instead of once per policy, which makes it several
  times faster. A differential test holds the two to identical results.

Pack config uses the CLI's `--policy-pack-config` format: a JSON object whose keys are policy
names (or "all") and whose values are an enforcement level or an object with an optional
`enforcementLevel` and the policy's config properties. Defaults come from each policy's schema and
values are validated against it, as the CLI does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import jsonschema
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    PolicyCustomTimeouts,
    _NotApplicableError,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from podsandbox.preview.records import ProgramRun, RegisteredResource

LEVELS = {level.value: level for level in EnforcementLevel}


class OutOfTimeError(Exception):
    """Judging passed its deadline (the check's `--timeout`, counted from the program's start)."""


class PolicyConfigError(ValueError):
    """The policy config file is missing, malformed or does not match a policy's schema."""


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    """"advisory", "mandatory" (or "remediate")."""
    urn: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "enforcement": self.enforcement,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass(frozen=True)
class PolicyPackDefinition:
    name: str
    version: str
    policies: Sequence[Policy]


def load_pack() -> PolicyPackDefinition:
    """The pack's policies (imported, no server started), its name and version."""
    from podsandbox import pack

    return PolicyPackDefinition(pack.PACK_NAME, pack.PACK_VERSION, pack.POLICIES)


def resolve_config(
    pack: PolicyPackDefinition, config_file: Optional[Path] = None
) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """Each policy's enforcement level and config: schema defaults, then the file's values."""
    given = read_policy_config(config_file) if config_file is not None else {}
    names = {policy.name for policy in pack.policies}
    unknown = sorted(set(given) - names - {"all"})
    if unknown:
        raise PolicyConfigError(
            f"policy config names unknown policies: {', '.join(unknown)}; the pack has: "
            + ", ".join(sorted(names))
        )
    everything = _level(given["all"], "all") if "all" in given else None
    resolved = {}
    for policy in pack.policies:
        level = everything or policy.enforcement_level or EnforcementLevel.ADVISORY
        properties = _schema_defaults(policy)
        entry = given.get(policy.name)
        if isinstance(entry, str):
            level = _level(entry, policy.name)
        elif isinstance(entry, dict):
            if "enforcementLevel" in entry:
                level = _level(entry["enforcementLevel"], policy.name)
            properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            _validate_properties(policy, properties)
        elif entry is not None:
            raise PolicyConfigError(
                f"policy config for {policy.name} must be an enforcement level or an object"
            )
        resolved[policy.name] = (level, properties)
    return resolved


MAX_CONFIG_BYTES = 1_000_000
"""A policy config file larger than this is refused (real ones are a few hundred bytes)."""
MAX_CONFIG_DEPTH = 64
"""How deeply a policy config's values may nest (as for stack files)."""
CONFIG_EXAMPLE = (
    'a JSON object of policy names (or "all") to an enforcement level or to an object of the '
    'policy\'s config, e.g. {"all": "mandatory", "untrusted-namespace-sandboxed": '
    '{"enforcementLevel": "advisory"}}'
)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members, refused when a key repeats (Python keeps the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise PolicyConfigError(f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise PolicyConfigError(f"{name} is not a JSON number")


def _nesting(value: Any) -> int:
    """How deeply `value` nests objects and lists (no recursion)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        inner = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in inner)
    return deepest


def read_policy_config(path: Path) -> dict[str, Any]:
    """`--policy-config`, read as hostile input: once, from a regular file of at most
    `MAX_CONFIG_BYTES`, UTF-8 JSON (as the CLI's Go parser: no NaN, no repeated key), nested at
    most `MAX_CONFIG_DEPTH` levels, an object. Any other is a `PolicyConfigError` that names the
    file, says why and shows what is allowed."""
    from podsandbox.stack.reading import FileReadError, read_bounded

    def refused(problem: str) -> PolicyConfigError:
        return PolicyConfigError(f"--policy-config {path}: {problem}. Allowed: {CONFIG_EXAMPLE}")

    try:
        text = read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8")
        given = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except FileReadError as error:
        raise refused(str(error).removeprefix(f"{path} ")) from None
    except UnicodeDecodeError as error:
        raise refused(f"not UTF-8 text (byte {error.start} cannot be decoded)") from None
    except json.JSONDecodeError as error:
        raise refused(f"is not JSON: {error}") from None
    except RecursionError:
        raise refused(f"nests more than {MAX_CONFIG_DEPTH} levels deep") from None
    except PolicyConfigError as error:
        raise refused(str(error)) from None
    if _nesting(given) > MAX_CONFIG_DEPTH:
        raise refused(f"nests more than {MAX_CONFIG_DEPTH} levels deep")
    if not isinstance(given, dict):
        raise refused(f"expected a JSON object of policy names, not a {type(given).__name__}")
    return given


def _level(value: Any, where: str) -> EnforcementLevel:
    if value not in LEVELS:
        raise PolicyConfigError(
            f"policy config for {where}: {value!r} is not an enforcement level; use one of "
            + ", ".join(LEVELS)
        )
    return LEVELS[value]


def _schema_defaults(policy: Policy) -> dict[str, Any]:
    schema = policy.config_schema
    if schema is None:
        return {}
    return {key: prop["default"] for key, prop in schema.properties.items() if "default" in prop}


def _validate_properties(policy: Policy, properties: dict[str, Any]) -> None:
    schema = policy.config_schema
    if schema is None:
        if properties:
            raise PolicyConfigError(f"policy {policy.name} takes no config, got {properties}")
        return
    document = {
        "type": "object",
        "properties": schema.properties,
        "required": schema.required or [],
        "additionalProperties": False,
    }
    try:
        jsonschema.validate(properties, document)
    except jsonschema.ValidationError as error:
        raise PolicyConfigError(f"policy config for {policy.name}: {error.message}") from None


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Values as a protobuf Struct, as the engine sends resource properties."""
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


@dataclass(frozen=True)
class EngineProvider:
    """The provider the engine names in an analyze request for a resource."""

    type: str
    props: dict[str, Any]
    """Its inputs, engine-shaped."""
    urn: str
    name: str


def engine_provider(
    run: ProgramRun,
    resource: RegisteredResource,
    by_urn: Optional[Mapping[str, RegisteredResource]] = None,
) -> Optional[EngineProvider]:
    """The resource's explicit provider (the registered provider's inputs), or else its package's
    default provider, whose inputs are the stack's config for that package (e.g.
    `kubernetes:namespace`), as the engine passes them to a policy pack. `by_urn` (the run's
    resources by URN) finds the provider at once: judging stays linear in the resources."""
    if not resource.custom or resource.type.startswith("pulumi:"):
        return None
    if resource.provider:
        urn = resource.provider.rsplit("::", 1)[0]
        if by_urn is not None:
            registered = by_urn.get(urn)
        else:
            registered = next((r for r in run.resources if r.urn == urn), None)
        if registered is None:
            return None
        return EngineProvider(registered.type, registered.engine_inputs, urn, registered.name)
    package = resource.type.split(":", 1)[0]
    prefix = f"{package}:"
    props = {
        key[len(prefix) :]: value for key, value in run.config.items() if key.startswith(prefix)
    }
    urn = f"urn:pulumi:{run.stack}::{run.project}::pulumi:providers:{package}::default"
    return EngineProvider(f"pulumi:providers:{package}", props, urn, "default")


def _policy_provider(provider: Optional[EngineProvider]) -> Optional[PolicyProviderResource]:
    """What the SDK's servicer builds from the request's provider (`_get_provider_resource`)."""
    if provider is None:
        return None
    props = deserialize_properties(json_format.MessageToDict(struct(provider.props)))
    return PolicyProviderResource(
        provider.type, unknown_checking_proxy(props), provider.urn, provider.name
    )


def _policy_options(resource: RegisteredResource) -> PolicyResourceOptions:
    """The options the SDK builds from `AnalyzerResourceOptions(protect, parent)`."""
    return PolicyResourceOptions(
        resource.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], resource.parent
    )


class Analyzer:
    """The engine's per-resource and per-stack policy evaluation, one conversion per resource."""

    def __init__(
        self, pack: PolicyPackDefinition, config: dict[str, tuple[EnforcementLevel, dict[str, Any]]]
    ) -> None:
        self.pack = pack
        self.config = config
        active = [p for p in pack.policies if config[p.name][0] is not EnforcementLevel.DISABLED]
        self.resource_policies = [p for p in active if isinstance(p, ResourceValidationPolicy)]
        self.stack_policies = [p for p in active if isinstance(p, StackValidationPolicy)]

    def _level(self, policy: Policy) -> str:
        level = self.config[policy.name][0]
        # Like the SDK: a violation reported at the remediate level counts as mandatory.
        return "mandatory" if level is EnforcementLevel.REMEDIATE else level.value

    def _policy_config(self, policy: Policy) -> dict[str, Any]:
        return dict(self.config[policy.name][1])

    def _cannot_run(self, policy: Policy, error: UnknownValueError, urn: str) -> Violation:
        return Violation(
            policy.name,
            "advisory",
            urn,
            f"can't run policy '{policy.name}' from policy pack "
            f"'{self.pack.name}@v{self.pack.version}' during preview: {error.message}",
        )

    def analyze(self, run: ProgramRun, deadline: Optional[float] = None) -> list[Violation]:
        """Every resource policy on every resource, then every stack policy once; past
        `deadline` (`time.monotonic()`), an `OutOfTimeError`: the check's time is bounded
        whatever the program registered."""
        violations: list[Violation] = []
        resources: list[PolicyResource] = []
        by_urn = {resource.urn: resource for resource in reversed(run.resources)}
        for resource in run.resources:
            if deadline is not None and time.monotonic() > deadline:
                raise OutOfTimeError(f"judged {len(resources)} of {len(run.resources)} resources")
            # What the SDK's servicer does to each request's properties, done once.
            props = deserialize_properties(
                json_format.MessageToDict(struct(resource.engine_inputs))
            )
            options = _policy_options(resource)
            provider = _policy_provider(engine_provider(run, resource, by_urn))
            # The proxy copies the whole value once; it is read-only, so policies share it.
            proxied = unknown_checking_proxy(props)
            for policy in self.resource_policies:
                args = ResourceValidationArgs(
                    resource.type,
                    proxied,
                    resource.urn,
                    resource.name,
                    options,
                    provider,
                    self._policy_config(policy),
                )
                violations += self._run(policy, args, resource.urn)
            resources.append(
                PolicyResource(
                    resource.type,
                    proxied,
                    resource.urn,
                    resource.name,
                    options,
                    provider,
                    None,
                    [],
                    {},
                )
            )
        for stack_policy in self.stack_policies:
            config = self._policy_config(stack_policy)
            violations += self._run(stack_policy, StackValidationArgs(resources, config), "")
        return violations

    def _run(self, policy: Any, args: Any, urn: str) -> list[Violation]:
        found: list[Violation] = []
        level = self._level(policy)

        def report_violation(message: str, violation_urn: Optional[str] = None) -> None:
            text = policy.description + (f"\n{message}" if message else "")
            found.append(Violation(policy.name, level, violation_urn or urn, text))

        try:
            result = policy.validate(args, report_violation)
            if result is not None:
                asyncio.run(result)
        except UnknownValueError as error:
            found.append(self._cannot_run(policy, error, urn))
        except _NotApplicableError:
            pass  # the SDK records "not applicable", which is no violation
        return found


def prepared_analyzer(config_file: Optional[Path] = None) -> Analyzer:
    """The pack, with its config read and checked (raises `PolicyConfigError` for a bad one)."""
    pack = load_pack()
    return Analyzer(pack, resolve_config(pack, config_file))


def evaluate(run: ProgramRun, config_file: Optional[Path] = None) -> list[Violation]:
    """All violations of the pack over a run (raises `PolicyConfigError` for a bad config)."""
    return prepared_analyzer(config_file).analyze(run)
