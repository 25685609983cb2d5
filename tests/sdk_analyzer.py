"""The reference the preview's policy evaluator is held to: the policy SDK's own analyzer service.

`SdkAnalyzer` configures the servicer that `PolicyPack` builds (without starting its server) as the
engine would, and sends it the engine's requests: `Analyze` per resource, `AnalyzeStack` once.
A differential test (tests/test_policies.py) keeps `podsandbox.preview.policy_evaluator.Analyzer`
equal to it. Test-only: the preview never needs it.
"""

from __future__ import annotations

from typing import Any, Optional

from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from podsandbox.preview.policy_evaluator import (
    EngineProvider,
    PolicyPackDefinition,
    Violation,
    engine_provider,
    struct,
)
from podsandbox.preview.records import ProgramRun, RegisteredResource

_PROTO_LEVELS = {
    EnforcementLevel.ADVISORY: proto.ADVISORY,
    EnforcementLevel.MANDATORY: proto.MANDATORY,
    EnforcementLevel.REMEDIATE: proto.REMEDIATE,
    EnforcementLevel.DISABLED: proto.DISABLED,
}
_LEVEL_NAMES = {value: level.value for level, value in _PROTO_LEVELS.items()}


class SdkAnalyzer:
    """The pack's analyzer service, configured as the engine would configure it (reference)."""

    def __init__(
        self, pack: PolicyPackDefinition, config: dict[str, tuple[EnforcementLevel, dict[str, Any]]]
    ) -> None:
        self.servicer = _PolicyAnalyzerServicer(
            pack.name, pack.version, list(pack.policies), EnforcementLevel.ADVISORY
        )
        request = proto.ConfigureAnalyzerRequest()
        for name, (level, properties) in config.items():
            request.policyConfig[name].CopyFrom(
                proto.PolicyConfig(
                    enforcementLevel=_PROTO_LEVELS[level], properties=struct(properties)
                )
            )
        self.servicer.Configure(request, None)

    def analyze(self, run: ProgramRun) -> list[Violation]:
        """Every resource policy on every resource, then every stack policy once."""
        messages = [
            proto.AnalyzerResource(
                type=resource.type,
                properties=struct(resource.engine_inputs),
                urn=resource.urn,
                name=resource.name,
                options=_options(resource),
                provider=_provider(engine_provider(run, resource)),
                parent=resource.parent or "",
            )
            for resource in run.resources
        ]
        violations: list[Violation] = []
        for message in messages:
            request = proto.AnalyzeRequest(
                type=message.type,
                properties=message.properties,
                urn=message.urn,
                name=message.name,
                options=message.options,
                provider=message.provider if message.HasField("provider") else None,
            )
            violations += _violations(self.servicer.Analyze(request, None), message.urn)
        stack = self.servicer.AnalyzeStack(proto.AnalyzeStackRequest(resources=messages), None)
        return violations + _violations(stack, "")


def _provider(provider: Optional[EngineProvider]) -> Any:
    """The request's provider, as the engine sends it (absent when there is none)."""
    if provider is None:
        return None
    return proto.AnalyzerProviderResource(
        type=provider.type, properties=struct(provider.props), urn=provider.urn, name=provider.name
    )


def _options(resource: RegisteredResource) -> Any:
    return proto.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent or "")


def _violations(response: Any, default_urn: str) -> list[Violation]:
    return [
        Violation(
            policy=diagnostic.policyName,
            enforcement=_LEVEL_NAMES.get(diagnostic.enforcementLevel, "advisory"),
            urn=diagnostic.urn or default_urn,
            message=diagnostic.message,
        )
        for diagnostic in response.diagnostics
    ]
