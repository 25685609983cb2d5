"""Sandboxing RuntimeClasses besides AKS's: one the stack declares with a Kata handler and a
sandboxing node label, or one the pack's config names, counts as sandboxing (its generation from
that label, or from the config); a workload using it is judged as sandboxed, not flagged."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from podsandbox.rules import aks, workloads
from tests.test_policies import (
    CLUSTER,
    GOOD_RESOURCES,
    POD,
    cluster,
    container,
    pod,
    stack_violations,
    violations,
)

RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass"
GA_LABEL = aks.GA_RUNTIME.node_label
LEGACY_LABEL = aks.LEGACY_RUNTIME.node_label


def runtime_class(
    name: str = "kata-dedicated",
    handler: Any = "kata-vm-isolation",
    label: Optional[str] = GA_LABEL,
) -> tuple[str, dict[str, Any]]:
    props: dict[str, Any] = {"metadata": {"name": name}, "handler": handler}
    if label is not None:
        props["scheduling"] = {"nodeSelector": {label: "true"}, "tolerations": []}
    return RUNTIME_CLASS, props


def using(class_name: str, namespace: str = "untrusted", **resources: Any) -> tuple[str, Any]:
    spec = {"runtimeClassName": class_name, "containers": [container(**resources)]}
    return POD, pod(spec, namespace)


GOOD: dict[str, Any] = dict(GOOD_RESOURCES)
CONFIG = {"sandboxingRuntimeClasses": {"kata-dedicated": "KataVmIsolation"}}


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "kata"),
    [
        ("kata", True),
        ("kata-vm-isolation", True),
        ("kata-qemu", True),
        ("katana", False),
        ("runc", False),
        ("", False),
        (None, False),
        ("KATA", False),  # a handler is a DNS label: lower case, compared as is
    ],
)
def test_a_kata_handler_is_kata_or_starts_with_kata_and_a_dash(handler, kata):
    assert workloads.is_kata_handler(handler) is kata


@pytest.mark.parametrize(
    ("resource_type", "props", "expected"),
    [
        (*runtime_class(), ("kata-dedicated", aks.GA_RUNTIME)),
        ((RUNTIME_CLASS.replace("/v1:", "/v1beta1:")), runtime_class()[1],
         ("kata-dedicated", aks.GA_RUNTIME)),  # any served version
        (*runtime_class(label=LEGACY_LABEL), ("kata-dedicated", aks.LEGACY_RUNTIME)),
        (*runtime_class(label=None), ("kata-dedicated", None)),
        (*runtime_class(label="kubernetes.azure.com/other"), ("kata-dedicated", None)),
        ("kubernetes:node.k8s.io/v1:RuntimeClassList", runtime_class()[1], None),
        ("kubernetes:core/v1:RuntimeClass", runtime_class()[1], None),
        ("other:node.k8s.io/v1:RuntimeClass", runtime_class()[1], None),
        ("kubernetes:node.k8s.io/v1:RuntimeClass:x", runtime_class()[1], None),
        ("kubernetes:x:node.k8s.io/v1:RuntimeClass", runtime_class()[1], None),
        (RUNTIME_CLASS, {"handler": "kata"}, None),  # no name known: nothing can refer to it
        (RUNTIME_CLASS, {"metadata": {"name": ""}, "handler": "kata"}, None),
    ],
)  # fmt: skip
def test_a_declared_runtime_class_is_read_with_its_generation(resource_type, props, expected):
    declared = workloads.declared_runtime_class(resource_type, props)
    if expected is None:
        assert declared is None
    else:
        assert declared is not None
        assert (declared.name, declared.generation) == expected


def test_why_a_declared_class_does_not_sandbox_names_the_fix():
    runc = workloads.declared_runtime_class(*runtime_class(handler="runc"))
    assert runc is not None
    assert runc.why_not_sandboxing() == (
        "this stack declares RuntimeClass kata-dedicated with handler 'runc', which is not "
        "'kata' or kata-*"
    )
    unlabelled = workloads.declared_runtime_class(*runtime_class(label=None))
    assert unlabelled is not None
    assert unlabelled.why_not_sandboxing() == (
        "this stack declares RuntimeClass kata-dedicated with handler 'kata-vm-isolation' but its "
        "scheduling.nodeSelector names no sandboxing node label "
        '(kubernetes.azure.com/kata-vm-isolation: "true" or '
        'kubernetes.azure.com/kata-mshv-vm-isolation: "true"), so its pods can land on nodes '
        "without the Kata handler"
    )


def test_the_label_must_say_true():
    _, props = runtime_class()
    props["scheduling"]["nodeSelector"][GA_LABEL] = "True"
    declared = workloads.declared_runtime_class(RUNTIME_CLASS, props)
    assert declared is not None and declared.generation is None


def test_only_a_kata_class_on_sandboxing_nodes_sandboxes():
    def sandboxing(**changes: Any) -> Optional[aks.RuntimeGeneration]:
        declared = workloads.declared_runtime_class(*runtime_class(**changes))
        assert declared is not None
        return declared.sandboxing

    assert sandboxing() is aks.GA_RUNTIME
    assert sandboxing(label=LEGACY_LABEL) is aks.LEGACY_RUNTIME
    assert sandboxing(handler="runc") is None
    assert sandboxing(label=None) is None


def test_the_config_maps_names_to_generations_ignoring_case():
    assert workloads.configured_classes(
        {"a": "KataVmIsolation", "b": "katamshvvmisolation", "c": "OCIContainer", "d": 3}
    ) == {"a": aks.GA_RUNTIME, "b": aks.LEGACY_RUNTIME}
    assert workloads.configured_classes(None) == {}
    assert workloads.configured_classes(["KataVmIsolation"]) == {}


def test_a_workload_knows_classes_besides_akss():
    [kind, props] = using("kata-dedicated")
    plain = workloads.workload_of(kind, props)
    assert plain is not None
    assert plain.sandboxing_runtime is None and plain.other_runtime_class == "kata-dedicated"
    known = workloads.workload_of(kind, props, None, {"kata-dedicated": aks.GA_RUNTIME})
    assert known is not None
    assert known.sandboxing_runtime is aks.GA_RUNTIME and known.other_runtime_class is None
    aks_class = workloads.workload_of(*using("kata-vm-isolation"))
    assert aks_class is not None and aks_class.other_runtime_class is None
    no_class = workloads.workload_of(POD, pod({"containers": []}))
    assert no_class is not None and no_class.other_runtime_class is None
    empty = workloads.workload_of(POD, pod({"runtimeClassName": "", "containers": []}))
    assert empty is not None and empty.other_runtime_class is None


# --- the pack: a class named in the config (resource policies see it) --------------------------


def test_a_config_named_class_is_sandboxed_for_every_workload_policy():
    kind, bare = using("kata-dedicated")
    assert violations("untrusted-namespace-sandboxed", kind, bare, CONFIG) == []
    [memory] = violations("sandboxed-pod-memory-limit", kind, bare, CONFIG)
    assert "sets no memory limit" in memory
    assert violations("sandboxed-pod-cpu-limit", kind, bare, CONFIG)
    kind, good = using("kata-dedicated", **GOOD)
    for name in ("sandboxed-pod-memory-limit", "sandboxed-pod-cpu-limit"):
        assert violations(name, kind, good, CONFIG) == []
    # Without the config, the class is not one of the resource policies' to judge.
    assert violations("sandboxed-pod-memory-limit", kind, bare) == []


def test_the_resource_policy_leaves_another_class_to_the_stacks_view():
    kind, props = using("gvisor")
    assert violations("untrusted-namespace-sandboxed", kind, props) == []
    [message] = stack_violations("custom-runtime-class-sandboxed", [(kind, props)])
    assert "with runtimeClassName 'gvisor' (this stack declares no RuntimeClass gvisor" in message
    # No class at all stays the resource policy's.
    plain = pod({"containers": [container()]})
    assert violations("untrusted-namespace-sandboxed", POD, plain)
    assert stack_violations("custom-runtime-class-sandboxed", [(POD, plain)]) == []


# --- the pack: a class the stack declares (stack policies see it) ------------------------------


def test_a_declared_kata_class_makes_its_workloads_sandboxed():
    stack = [runtime_class(), using("kata-dedicated", **GOOD)]
    assert stack_violations("custom-runtime-class-sandboxed", stack) == []
    assert stack_violations("custom-runtime-class-advice", stack) == []


def test_its_workloads_meet_the_sandboxed_pod_rules():
    _, bare = using("kata-dedicated", "default")
    bare["spec"]["hostNetwork"] = True
    stack = [runtime_class(), (POD, bare)]
    mandatory = stack_violations("custom-runtime-class-sandboxed", stack)
    assert any("hostNetwork" in m for m in mandatory)
    assert any("sets no memory limit" in m for m in mandatory)
    advice = stack_violations("custom-runtime-class-advice", stack)
    assert any("sets no CPU limit" in m for m in advice)
    bare["spec"]["hostPID"] = True
    assert any("uses hostPID" in m for m in stack_violations("custom-runtime-class-advice", stack))


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        (runtime_class(handler="runc"), "with handler 'runc', which is not 'kata' or kata-*"),
        (runtime_class(label=None), "names no sandboxing node label"),
        (runtime_class(name="other"), "this stack declares no RuntimeClass kata-dedicated"),
    ],
)
def test_a_class_that_does_not_sandbox_is_flagged_in_an_untrusted_namespace(declared, reason):
    stack = [declared, using("kata-dedicated", **GOOD)]
    [message] = stack_violations("custom-runtime-class-sandboxed", stack)
    assert reason in message
    # ... and only there.
    elsewhere = [declared, using("kata-dedicated", "default", **GOOD)]
    assert stack_violations("custom-runtime-class-sandboxed", elsewhere) == []
    assert stack_violations("custom-runtime-class-advice", stack) == []


def test_the_config_names_classes_for_the_stack_policies_too():
    stack = [using("kata-dedicated", **GOOD)]
    assert stack_violations("custom-runtime-class-sandboxed", stack, CONFIG) == []
    untrusted = {"untrustedNamespaces": ["tenants"]}
    assert stack_violations("custom-runtime-class-sandboxed", stack, untrusted) == []


def test_a_declared_class_has_the_generation_of_its_label():
    legacy = [runtime_class(label=LEGACY_LABEL), using("kata-dedicated", **GOOD)]
    [message] = stack_violations(
        "runtime-class-matches-pool-generation", [(CLUSTER, cluster()), *legacy]
    )
    assert "uses RuntimeClass kata-dedicated" in message
    ga = [runtime_class(), using("kata-dedicated", **GOOD)]
    assert (
        stack_violations("runtime-class-matches-pool-generation", [(CLUSTER, cluster()), *ga]) == []
    )
    # A stack that creates only non-sandboxing pools is told its sandboxed workload needs one.
    plain_cluster = (CLUSTER, cluster(workloadRuntime="OCIContainer"))
    [needs] = stack_violations("sandboxed-workload-needs-sandboxing-pool", [plain_cluster, *ga])
    assert "uses RuntimeClass kata-dedicated" in needs
