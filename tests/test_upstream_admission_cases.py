"""Kyverno's and Pod Security Admission's own objects and verdicts (`shared/external/
k8s-admission/cases.json`, built from upstream test data): for every case whose mapping is `same`,
the pack's check and the admission policy's CEL both give the upstream verdict. The cases hold no
ephemeral container; `test_admission_updates.py` has the project's own."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from podsandbox.guardrail import admission_policy as admission
from podsandbox.preview.manifests import type_token
from podsandbox.rules import aks, workloads
from tests.cel_admission import AdmissionPolicy
from tests.conftest import shared_file
from tests.test_admission_rules import MEMORY, NAMESPACE, cel_flags, pack_flags, rule_names


def same_cases() -> list[dict[str, Any]]:
    cases = json.loads(shared_file("external", "k8s-admission", "cases.json").read_text())
    return [case for case in cases if case["mapping"] == "same"]


def placed(case: dict[str, Any]) -> dict[str, Any]:
    """The upstream object in an untrusted namespace, sandboxed, every container with a memory
    limit (what the README of the dataset says to do: only the rule under test may fail)."""
    manifest: dict[str, Any] = copy.deepcopy(case["object"])
    manifest.setdefault("metadata", {})["namespace"] = NAMESPACE
    path = workloads.pod_spec_path(type_token(manifest["apiVersion"], manifest["kind"]))
    assert path is not None, case["id"]
    spec: Any = manifest
    for key in path:
        spec = spec.setdefault(key, {})
    spec["runtimeClassName"] = aks.GA_RUNTIME.runtime_class_name
    for container in spec.get("containers") or []:
        container["resources"] = copy.deepcopy(MEMORY)
    return manifest


def test_the_same_cases_are_here_and_cover_both_verdicts():
    cases = same_cases()
    assert len(cases) >= 300
    assert {case["expected"] for case in cases} == {"pass", "fail"}


def test_the_pack_and_the_admission_policy_agree_with_upstream_on_every_same_case():
    policy = AdmissionPolicy(admission.policy_object("p", aks.GA_RUNTIME))
    names = rule_names()
    wrong = []
    for case in same_cases():
        manifest = placed(case)
        failed = case["expected"] == "fail"
        for judge, flags in (("pack", pack_flags(manifest, aks.GA_RUNTIME, {})),
                             ("cel", cel_flags(policy, manifest, names))):  # fmt: skip
            if (case["project_rule"] in flags) is not failed:
                wrong.append((case["id"], judge, sorted(flags)))
    assert wrong == []


@pytest.mark.parametrize("rule", ["privileged", "host-path"])
def test_an_ephemeral_container_case_is_judged_like_upstream_judges_it(rule):
    """Kyverno's privileged rule and PSA's check ephemeral containers too: a pod that passes
    upstream, given a privileged ephemeral container, fails the privileged rule in both judges
    (and only it: the host-path rule does not look at containers)."""
    policy = AdmissionPolicy(admission.policy_object("p", aks.GA_RUNTIME))
    [case] = [c for c in same_cases() if c["expected"] == "pass" and c["object"]["kind"] == "Pod"
              and c["project_rule"] == rule][:1]  # fmt: skip
    manifest = placed(case)
    manifest["spec"]["ephemeralContainers"] = [
        {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}
    ]
    assert pack_flags(manifest, aks.GA_RUNTIME, {}) == {"privileged"}
    assert cel_flags(policy, manifest, rule_names()) == {"privileged"}
