"""When the in-cluster guardrail (a ValidatingAdmissionPolicy, `podsandbox.guardrail`) is deployed,
and how it enforces.

The policy needs admissionregistration.k8s.io/v1, served from Kubernetes 1.30. On a cluster this
stack creates it denies; on an existing, possibly shared cluster it defaults to warn and audit, so
that the first `up` cannot break other teams' workloads. Pure rules: no Pulumi here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from podsandbox.rules.aks import (
    KubernetesVersion,
    known_version_below,
    normalize_kubernetes_version,
    parse_kubernetes_version,  # fmt: skip
)
from podsandbox.rules.patches import UNTRUSTED_LABEL as UNTRUSTED_LABEL
from podsandbox.rules.patches import UNTRUSTED_LABEL_VALUE as UNTRUSTED_LABEL_VALUE
from podsandbox.rules.workloads import unique_object_name

MIN_KUBERNETES_VERSION: KubernetesVersion = (1, 30, 0)
"""ValidatingAdmissionPolicy is GA (admissionregistration.k8s.io/v1, served by default) from
Kubernetes 1.30 (Kubernetes 1.30 release notes, KEP-3488)."""
AKS_OLDEST_SUPPORTED: KubernetesVersion = (1, 31, 0)
"""The oldest minor AKS supports on 2026-11-29, LTS included: 1.31 LTS, until 2026-11-30; 1.30
LTS ended in July 2026, 1.29 LTS in April 2026 (MicrosoftDocs azure-aks-docs
articles/aks/supported-kubernetes-versions.md, "LTS versions", 2026-08-05). A new cluster cannot
be created on a version past its support, so one created with no version is at least this."""

NAME_LABEL = "kubernetes.io/metadata.name"
"""The label the API server puts on every namespace, with its name (Kubernetes 1.22+)."""
BINDING_KIND = "ValidatingAdmissionPolicyBinding"

DENY = "deny"
AUDIT = "audit"
ENFORCEMENTS = (DENY, AUDIT)
ACTIONS = {DENY: ("Deny",), AUDIT: ("Warn", "Audit")}
GUARDRAIL_OFF = "the in-cluster guardrail is off"
"""How the warning opens when the settings turn the guardrail off (the reports look for it)."""
"""The binding's validationActions for each enforcement."""


@dataclass(frozen=True)
class GuardrailPlan:
    enabled: bool
    enforcement: str
    warnings: tuple[str, ...] = ()

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS[self.enforcement]


def default_enforcement(new_cluster: bool) -> str:
    """Deny on a cluster this stack creates; warn and audit on one that exists (shared)."""
    return DENY if new_cluster else AUDIT


def plan_guardrail(
    wanted: bool, enforcement: Optional[str], new_cluster: bool, kubernetes_version: Optional[str]
) -> GuardrailPlan:
    """Whether the guardrail is deployed, with which enforcement, and what the preview should say.

    `enforcement` None takes the mode's default. A configured version below 1.30 turns the
    guardrail off with a warning; on an existing cluster with no version set, the cluster's own
    version is checked at deploy time (by the component).
    """
    chosen = enforcement or default_enforcement(new_cluster)
    if not wanted:
        return GuardrailPlan(False, chosen)
    version = (
        parse_kubernetes_version(normalize_kubernetes_version(kubernetes_version))
        if kubernetes_version
        else None
    )
    if version is not None and version < MIN_KUBERNETES_VERSION:
        return GuardrailPlan(
            False,
            chosen,
            (
                f"{GUARDRAIL_OFF}: kubernetesVersion {kubernetes_version} is below "
                "1.30, which ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) needs; "
                "workloads applied outside Pulumi are not checked. Use 1.30 or later, or set "
                "guardrail false to silence this",
            ),
        )
    return GuardrailPlan(True, chosen)


def cluster_version_problem(version_text: Optional[str]) -> Optional[str]:
    """Why an existing cluster cannot take the guardrail, or None when it can (or is unknown)."""
    if not known_version_below(version_text, MIN_KUBERNETES_VERSION):
        return None
    return (
        f"the cluster runs Kubernetes {version_text}, below 1.30, so it cannot serve the "
        "in-cluster guardrail (ValidatingAdmissionPolicy, admissionregistration.k8s.io/v1). "
        "Upgrade the cluster, or turn the guardrail off: pulumi config set guardrail false"
    )


def policy_name(project: str, stack: str) -> str:
    """The policy's name for a stack: `<project>-<stack>` as a DNS subdomain, so that two stacks
    sharing a cluster never share a policy."""
    name = re.sub(r"[^a-z0-9.-]+", "-", f"{project}-{stack}".lower()).strip("-.")
    return name[:200] or "podsandbox"


POLICY_NAME_LENGTH = 253 - len("-labelled")
"""The policy's bindings are named after it with a suffix, and all are RFC 1123 subdomains."""


def default_policy_name(project: str, stack: str, component: str) -> str:
    """A guardrail's default policy name, unique per project, stack and component (two stacks,
    or two guardrails of one stack, may share a cluster), fitting its bindings' names."""
    return unique_object_name((project, stack, component), POLICY_NAME_LENGTH)


def is_labelled_untrusted(labels: Mapping[str, Any]) -> bool:
    """Whether a namespace's labels mark it untrusted (what the labelled binding selects)."""
    return labels.get(UNTRUSTED_LABEL) == UNTRUSTED_LABEL_VALUE


def _selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions In / NotIn / Exists /
    DoesNotExist) selects an object with `labels`."""
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        return False
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        if not isinstance(expression, Mapping):
            return False
        key, operator = str(expression.get("key")), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def named_namespaces(binding: Mapping[str, Any]) -> set[str]:
    """The namespaces a ValidatingAdmissionPolicyBinding's inputs select by name: the values of an
    `In` expression, or the matchLabels value, on the name label. What a binding of a program
    selects by name is untrusted for the pack too (a namespace can be untrusted only for the
    admission policy otherwise)."""
    spec = binding.get("spec")
    match = spec.get("matchResources") if isinstance(spec, Mapping) else None
    selector = match.get("namespaceSelector") if isinstance(match, Mapping) else None
    if not isinstance(selector, Mapping):
        return set()
    named = set()
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, Mapping) and isinstance(match_labels.get(NAME_LABEL), str):
        named.add(match_labels[NAME_LABEL])
    for expression in selector.get("matchExpressions") or []:
        if not isinstance(expression, Mapping):
            continue
        if expression.get("key") == NAME_LABEL and expression.get("operator") == "In":
            named |= {value for value in expression.get("values") or [] if isinstance(value, str)}
    return named


def binding_guards(binding: Mapping[str, Any], namespace: str, labels: Mapping[str, str]) -> bool:
    """Whether a ValidatingAdmissionPolicyBinding's inputs select the namespace `namespace` with
    `labels` (the API server adds the name label to every namespace)."""
    spec = binding.get("spec")
    match = spec.get("matchResources") if isinstance(spec, Mapping) else None
    selector = match.get("namespaceSelector") if isinstance(match, Mapping) else None
    if not isinstance(selector, Mapping):
        return True  # no namespace selector: every namespace
    return _selector_matches(selector, {**labels, NAME_LABEL: namespace})
