"""`podsandbox audit`: what the in-cluster guardrail would refuse, before it refuses it.

The safe rollout on a cluster in use is Warn and Audit, then Deny. Before the switch, this reads
the cluster (read-only: get and list) and lists every object in the guarded namespaces that the
policy would refuse if it were created now, or its pod template changed (an UPDATE that changes
a judged field is judged on the whole pod spec, as a CREATE is). It judges with the pack's own
checks (`podsandbox.guardrail.audit_rules`, held equal to the policy's CEL by the differential
test), so no CEL engine ships; and it first says whether the deployed policy is the one this
version generates, since its verdict is this version's.

Fail closed: a list the cluster refuses is reported as not judged, never taken as empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from kubernetes.client import ApiClient

from podsandbox.exit_codes import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION
from podsandbox.guardrail import admission_policy, audit_rules
from podsandbox.guardrail.plan import ACTIONS, AUDIT, binding_guards, policy_name
from podsandbox.rules.aks import GA_RUNTIME, LEGACY_RUNTIME, RuntimeGeneration
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE
from podsandbox.verify import command
from podsandbox.verify.api_errors import ClusterUnreachableError
from podsandbox.verify.audit_report import AuditReport, Finding, NotJudged, PolicyCheck
from podsandbox.verify.cluster_reads import (
    CORE_LISTS,
    ClusterReader,
    Progress,
    ReadError,
    ServedResource,
)
from podsandbox.verify.object_diff import spec_differences

GROUP = "admissionregistration.k8s.io"
VERSION = "v1"
POLICIES = "validatingadmissionpolicies"
BINDINGS = "validatingadmissionpolicybindings"


@dataclass(frozen=True)
class Expected:
    """What this version would deploy: the policy's name, the runtime generations it may have
    been generated for (the stack's; both without a stack), the untrusted namespaces."""

    policy: str
    runtimes: tuple[RuntimeGeneration, ...]
    namespaces: tuple[str, ...]
    actions: tuple[str, ...]
    from_stack: bool
    extra_classes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def run_audit(args: argparse.Namespace) -> int:
    try:
        api, expected = _connect(args)
        progress = Progress()
        try:
            report = audit(api, expected, args.page_size, progress)
        finally:
            progress.end()
    except (command.UsageError, ClusterUnreachableError) as error:
        print(f"error: {error}", file=sys.stderr)
        if args.format == "json":  # a script reading stdout gets JSON whatever happened
            print(json.dumps({"ok": None, "error": str(error)}, indent=2))
        return EXIT_USAGE
    print(json.dumps(report.to_json(), indent=2) if args.format == "json" else report.to_text())
    return EXIT_OK if report.ok else EXIT_VIOLATION


def _connect(args: argparse.Namespace) -> tuple[ApiClient, Expected]:
    """The API client and what to expect, from the stack's file or from --policy alone."""
    if args.stack:
        project, settings = command.stack_settings(args.stack)
        notes: tuple[str, ...] = ()
        if not settings.guardrail.enabled:
            notes = (
                "the stack deploys no guardrail (guardrail false, or Kubernetes below 1.30): "
                "the audit says what it would refuse if it did",
            )
        expected = Expected(
            args.policy or policy_name(project, args.stack),
            (settings.runtime,),
            (settings.untrusted_namespace,),
            settings.guardrail.actions,
            True,
            notes=notes,
        )
        if args.kubeconfig is None:
            return command.stack_client(args.stack), expected
        return command.client_from_file(args.kubeconfig), expected
    if not args.policy:
        raise command.UsageError(
            "audit needs the policy it audits: --stack NAME (the stack's policy, "
            "<project>-NAME, and its settings) or --policy NAME, e.g. podsandbox audit "
            "--kubeconfig ~/.kube/config --policy podsandbox-dev"
        )
    expected = Expected(
        args.policy,
        (GA_RUNTIME, LEGACY_RUNTIME),
        (DEFAULT_UNTRUSTED_NAMESPACE,),
        ACTIONS[AUDIT],
        False,
    )
    return command.client_from_file(args.kubeconfig), expected


def audit(api: ApiClient, expected: Expected, page_size: int, progress: Progress) -> AuditReport:
    """Read the policy, its bindings, the guarded namespaces and their workloads; judge them.

    Raises `ClusterUnreachableError` when the cluster cannot be used at all (exit 2)."""
    reader = ClusterReader(api, page_size, progress)
    report = AuditReport(notes=list(expected.notes))
    try:
        deployed = reader.cluster_object(GROUP, VERSION, POLICIES, expected.policy)
        runtime, check = _check_policy(expected, deployed)
    except ReadError as error:  # judged all the same, with this version's policy
        runtime, check = _check_policy(expected, None)
        check.deployed = False
        report.not_judged.append(
            NotJudged("whether the deployed policy is this version's", str(error))
        )
    report.policy = check
    generated = admission_policy.policy_object(expected.policy, runtime, expected.extra_classes)
    try:
        bindings = _bindings(reader, expected, report)
        namespaces = _guarded_namespaces(reader, bindings)
    except ReadError as error:
        report.not_judged.append(NotJudged("every guarded namespace", str(error)))
        return report
    report.namespaces = namespaces
    messages = {rule.name: rule.message for rule in admission_policy.rules(runtime)}
    classes = dict.fromkeys(expected.extra_classes, runtime)
    for served, unserved in _workload_resources(reader, generated, report):
        if served is None:
            report.kinds.append({"resource": unserved, "served": False, "objects": 0})
            continue
        count = 0
        for namespace in namespaces:
            try:
                for obj in reader.objects(served, namespace):
                    count += 1
                    found = audit_rules.refusals(obj, classes)
                    if found:
                        report.refused.append(Finding.of(obj, found, messages))
            except ReadError as error:
                report.not_judged.append(NotJudged(f"{served} in {namespace}", str(error)))
        report.kinds.append({"resource": str(served), "kind": served.kind, "served": True,
                             "version": served.version, "objects": count})  # fmt: skip
        report.objects += count
    return report


def _check_policy(
    expected: Expected, deployed: Optional[dict[str, Any]]
) -> tuple[RuntimeGeneration, PolicyCheck]:
    """The runtime generation to judge with, and whether the deployed policy is this version's
    (for that generation: the stack's, or either without a stack)."""
    first = expected.runtimes[0]
    if deployed is None:
        return first, PolicyCheck(expected.policy, False, False, [], first.runtime_class_name)
    differences: list[str] = []
    for runtime in expected.runtimes:
        generated = admission_policy.policy_object(expected.policy, runtime, expected.extra_classes)
        found = spec_differences(generated, deployed)
        if not found:
            return runtime, PolicyCheck(expected.policy, True, True, [], runtime.runtime_class_name)
        differences = differences or found
    return first, PolicyCheck(expected.policy, True, False, differences, first.runtime_class_name)


def _bindings(
    reader: ClusterReader, expected: Expected, report: AuditReport
) -> list[dict[str, Any]]:
    """The deployed bindings of the policy; the ones this version would deploy when there are
    none (then the audit judges what the first `up` would guard). With a stack, a deployed
    binding's selection is compared with the stack's (its actions are not: they change at the
    switch from audit to deny)."""
    deployed = [
        binding
        for binding in reader.cluster_objects(GROUP, VERSION, BINDINGS)
        if (binding.get("spec") or {}).get("policyName") == expected.policy
    ]
    generated = admission_policy.binding_objects(
        expected.policy, expected.policy, expected.namespaces, expected.actions
    )
    if not deployed:
        report.notes.append(
            f"no binding of {expected.policy} is deployed: the guarded namespaces are the ones "
            "this version's bindings would select"
        )
        report.bindings = [_binding_row(b, False) for b in generated]
        return generated
    report.bindings = [_binding_row(b, True) for b in deployed]
    if expected.from_stack:
        by_name = {b["metadata"]["name"]: b for b in generated}
        for binding in deployed:
            name = (binding.get("metadata") or {}).get("name")
            want = by_name.get(name)
            if want is None:
                report.binding_differences.append(f"{name}: not one this stack deploys")
                continue
            found = spec_differences(_selection(want), _selection(binding))
            report.binding_differences += [f"{name}: {line}" for line in found]
    return deployed


def _selection(binding: Mapping[str, Any]) -> dict[str, Any]:
    spec = binding.get("spec") or {}
    return {"spec": {key: value for key, value in spec.items() if key != "validationActions"}}


def _binding_row(binding: Mapping[str, Any], deployed: bool) -> dict[str, Any]:
    spec = binding.get("spec") or {}
    return {
        "name": (binding.get("metadata") or {}).get("name"),
        "actions": list(spec.get("validationActions") or []),
        "deployed": deployed,
    }


def _guarded_namespaces(reader: ClusterReader, bindings: Sequence[Mapping[str, Any]]) -> list[str]:
    """The namespaces any binding selects (by name or label), sorted."""
    found = []
    for namespace in reader.namespaces():
        metadata = namespace.get("metadata") or {}
        name, labels = metadata.get("name"), metadata.get("labels") or {}
        if isinstance(name, str) and any(binding_guards(b, name, labels) for b in bindings):
            found.append(name)
    return sorted(found)


def _workload_resources(
    reader: ClusterReader, policy: Mapping[str, Any], report: AuditReport
) -> list[tuple[Optional[ServedResource], str]]:
    """Each resource the policy matches (its `matchConstraints`, subresources left out: they
    change objects listed here), as the cluster serves it, or None with its name when it does
    not (a CRD not installed: there are no such objects)."""
    found: list[tuple[Optional[ServedResource], str]] = []
    rules = policy["spec"]["matchConstraints"]["resourceRules"]
    for rule in rules:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                if "/" in resource:
                    continue
                name = f"{resource}.{group}" if group else resource
                versions, preferred = reader.group_versions(group)
                wanted = rule["apiVersions"]
                version = preferred if "*" in wanted else next(
                    (v for v in wanted if v in versions), None
                )  # fmt: skip
                served = reader.resource(group, version, resource) if version else None
                if served is not None and not served.group and served.resource not in CORE_LISTS:
                    report.not_judged.append(NotJudged(name, "the audit lists no such core kind"))
                    continue
                found.append((served, name))
    return found
