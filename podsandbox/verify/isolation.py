"""After `pulumi up`: prove that the untrusted pod has its own kernel and the trusted one does not.

The proof is the how-to's: `uname -r` inside each pod against its node's kernel version. The
untrusted pod must also name a sandboxing RuntimeClass that exists, and its node must carry the
sandboxing node label. And its namespace's default-deny NetworkPolicy must be enforced: no source
says which AKS engine enforces NetworkPolicy for Kata pods, so the untrusted pod tries a TCP
connection to the trusted pod, which must get no answer (a refused connection means the packets
got through). And the in-cluster guardrail must refuse the same pod without its RuntimeClass
(`guardrail.py`). Everything goes through the official `kubernetes` client; exec uses a client
of its own, since `kubernetes.stream` patches the client it is given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from kubernetes.client import ApiClient, CoreV1Api, NodeV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream
from urllib3.exceptions import HTTPError

from podsandbox.rules.aks import RUNTIMES_BY_CLASS, RuntimeGeneration
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE
from podsandbox.verify.api_errors import cannot_reach, refused_credentials
from podsandbox.verify.guardrail import GuardrailExpectation, GuardrailResult, check_guardrail

TRUSTED = "trusted"
UNTRUSTED = "untrusted"
PROBE_PORT = 80
"""Any port: the trusted pod listens on none, so a packet that gets through is refused at once."""
PROBE_SECONDS = 5
"""How long the connection may wait for an answer before it counts as dropped."""
TIMED_OUT = 124
"""coreutils `timeout`'s exit status when the command ran out of time."""


@dataclass
class PodResult:
    """One demo pod, as seen on the cluster."""

    role: str
    pod: str
    """`namespace/name`."""
    node: Optional[str] = None
    node_kernel: Optional[str] = None
    pod_kernel: Optional[str] = None
    runtime_class: Optional[str] = None
    isolated: Optional[bool] = None
    """Whether the pod's kernel differs from its node's; None when not measured."""


@dataclass
class NetworkResult:
    """The untrusted pod's connection attempt to the trusted pod."""

    target: str
    """`ip:port` of the trusted pod."""
    blocked: Optional[bool]
    """True when it got no answer (NetworkPolicy enforced); None when it could not be tried."""
    detail: str


@dataclass
class VerifyReport:
    pods: list[PodResult]
    problems: list[str] = field(default_factory=list)
    network: Optional[NetworkResult] = None
    guardrail: Optional[GuardrailResult] = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "isolated": self.ok,
            "pods": [asdict(result) for result in self.pods],
            "network": asdict(self.network) if self.network is not None else None,
            "guardrail": asdict(self.guardrail) if self.guardrail is not None else None,
            "problems": self.problems,
        }

    def to_text(self) -> str:
        headers = ("pod", "node", "node kernel", "pod kernel", "isolated")
        rows = [
            (
                result.pod,
                result.node or "-",
                result.node_kernel or "-",
                result.pod_kernel or "-",
                "-" if result.isolated is None else ("yes" if result.isolated else "no"),
            )
            for result in self.pods
        ]
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in [headers, *rows]
        ]
        if self.network is not None:
            lines.append(f"\nNetwork: {self.network.detail}")
        if self.guardrail is not None:
            lines.append(f"Guardrail: {self.guardrail.detail}")
        if self.ok:
            lines.append(
                "\nIsolated: the untrusted pod runs its own kernel, the trusted pod its node's, "
                "and it cannot reach the trusted pod."
            )
        else:
            lines.append("\nNOT proven:")
            lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """Where the demo pods are, and which sandboxing generation and guardrail to expect (None:
    any generation, and whatever guardrail the probes find)."""

    untrusted_namespace: str = DEFAULT_UNTRUSTED_NAMESPACE
    trusted_namespace: str = "default"
    runtime: Optional[RuntimeGeneration] = None
    guardrail: Optional[GuardrailExpectation] = None


def verify(
    api: ApiClient,
    exec_api: ApiClient,
    target: Target,
    timeout: float = 120.0,
    poll_interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
) -> VerifyReport:
    """Wait (at most `timeout` seconds) for both pods to run, then check and measure them.

    Raises `ClusterUnreachableError` when the API server cannot be used at all.
    """
    core, exec_core = CoreV1Api(api), CoreV1Api(exec_api)
    results = {
        TRUSTED: PodResult(TRUSTED, f"{target.trusted_namespace}/trusted"),
        UNTRUSTED: PodResult(UNTRUSTED, f"{target.untrusted_namespace}/untrusted"),
    }
    report = VerifyReport(pods=[results[TRUSTED], results[UNTRUSTED]])
    pods = _wait_until_running(core, results, timeout, poll_interval, clock, report)
    if pods is None:
        return report

    untrusted = pods[UNTRUSTED]
    runtime = _check_runtime_class(api, untrusted, target, results[UNTRUSTED], report)
    for role, pod in pods.items():
        result = results[role]
        result.node = pod.spec.node_name
        node = _call(core.read_node, pod.spec.node_name)
        result.node_kernel = node.status.node_info.kernel_version
        if role == UNTRUSTED and runtime is not None:
            labels = node.metadata.labels or {}
            if labels.get(runtime.node_label) != "true":
                report.problems.append(
                    f"node {result.node} of the untrusted pod lacks the label "
                    f"{runtime.node_label}=true: it is not a sandboxing node"
                )
        result.pod_kernel = _uname(exec_core, pod, result, report, timeout)
        if result.pod_kernel is not None:
            result.isolated = result.pod_kernel != result.node_kernel

    report.network = _probe_network(exec_core, pods[UNTRUSTED], pods[TRUSTED], timeout)
    if report.network.blocked is not True:
        report.problems.append(report.network.detail)
    runtime_class = runtime.runtime_class_name if runtime is not None else None
    report.guardrail, problem = check_guardrail(api, untrusted, runtime_class, target.guardrail)
    if problem is not None:
        report.problems.append(problem)
    if results[UNTRUSTED].isolated is False:
        report.problems.append(
            f"the untrusted pod runs the node's kernel ({results[UNTRUSTED].node_kernel}): "
            "it is not sandboxed"
        )
    if results[TRUSTED].isolated is True:
        report.problems.append(
            f"the trusted pod's kernel ({results[TRUSTED].pod_kernel}) differs from its node's "
            f"({results[TRUSTED].node_kernel}): the comparison proves nothing"
        )
    return report


def _call(request: Callable[..., Any], *args: Any) -> Any:
    """One API call; a lost connection or refused credentials is `ClusterUnreachableError`."""
    try:
        return request(*args)
    except HTTPError as error:
        raise cannot_reach(error) from None
    except ApiException as error:
        if error.status in (401, 403):
            raise refused_credentials(error) from None
        raise


def _wait_until_running(
    core: CoreV1Api,
    results: dict[str, PodResult],
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float],
    report: VerifyReport,
) -> Optional[dict[str, Any]]:
    deadline = clock() + timeout
    while True:
        pods: dict[str, Any] = {}
        waiting: list[str] = []
        for role, result in results.items():
            namespace, name = result.pod.split("/")
            try:
                pod = _call(core.read_namespaced_pod, name, namespace)
            except ApiException as error:
                if error.status != 404:
                    raise
                waiting.append(f"{result.pod} does not exist (yet)")
                continue
            phase = pod.status.phase
            if phase in ("Failed", "Succeeded"):
                report.problems.append(
                    f"pod {result.pod} is {phase}: {_pod_reason(pod)}; it must keep running"
                )
                return None
            if phase == "Running" and _containers_ready(pod):
                pods[role] = pod
            else:
                waiting.append(f"{result.pod} is {phase}: {_pod_reason(pod)}")
        if not waiting:
            return pods
        if clock() >= deadline:
            report.problems += [f"timed out after {timeout:g}s: {reason}" for reason in waiting]
            return None
        time.sleep(poll_interval)


def _containers_ready(pod: Any) -> bool:
    statuses = pod.status.container_statuses or []
    return bool(statuses) and all(status.ready for status in statuses)


def _pod_reason(pod: Any) -> str:
    for status in pod.status.container_statuses or []:
        state = status.state
        for detail in (state.waiting, state.terminated) if state else ():
            if detail is not None and detail.reason:
                return f"{detail.reason}" + (f" ({detail.message})" if detail.message else "")
    return pod.status.reason or pod.status.message or "no reason given"


def _check_runtime_class(
    api: ApiClient, pod: Any, target: Target, result: PodResult, report: VerifyReport
) -> Optional[RuntimeGeneration]:
    name = pod.spec.runtime_class_name
    result.runtime_class = name
    runtime = RUNTIMES_BY_CLASS.get(name or "")
    if runtime is None:
        expected = " or ".join(RUNTIMES_BY_CLASS)
        report.problems.append(
            f"the untrusted pod has runtimeClassName {name!r}, not a sandboxing class ({expected})"
        )
        return None
    if target.runtime is not None and runtime is not target.runtime:
        report.problems.append(
            f"the untrusted pod uses RuntimeClass {name}, but the stack's runtime "
            f"{target.runtime.workload_runtime} expects {target.runtime.runtime_class_name}"
        )
    try:
        _call(NodeV1Api(api).read_runtime_class, name)
    except ApiException as error:
        if error.status != 404:
            raise
        report.problems.append(
            f"RuntimeClass {name} does not exist on the cluster: no node pool runs "
            f"{runtime.workload_runtime}"
        )
    return runtime


class _ExecFailedError(Exception):
    """A command could not be run in a pod (refused, or it did not finish)."""


def _exec(
    exec_core: CoreV1Api, pod: Any, command: list[str], timeout: float
) -> tuple[str, str, Optional[int]]:
    """Run `command` in the pod's first container: (stdout, stderr, exit code)."""
    try:
        ws = stream(
            exec_core.connect_get_namespaced_pod_exec,
            pod.metadata.name,
            pod.metadata.namespace,
            command=command,
            container=pod.spec.containers[0].name,
            stdin=False,
            stdout=True,
            stderr=True,
            tty=False,
            _preload_content=False,
        )
    except ApiException as error:
        raise _ExecFailedError(f"was refused: {error.reason or error}") from None
    try:
        ws.run_forever(timeout=timeout)
        if ws.is_open():
            raise _ExecFailedError(f"did not finish in {timeout:g}s")
        return ws.read_stdout(), ws.read_stderr(), ws.returncode
    finally:
        ws.close()


def _uname(
    exec_core: CoreV1Api, pod: Any, result: PodResult, report: VerifyReport, timeout: float
) -> Optional[str]:
    """`uname -r` in the pod's first container, or None (with a problem) when exec fails."""
    try:
        stdout, stderr, code = _exec(exec_core, pod, ["uname", "-r"], timeout)
    except _ExecFailedError as error:
        verb = "exec into" if "refused" in str(error) else "`uname -r` in"
        report.problems.append(f"{verb} {result.pod} {error}")
        return None
    if code != 0:
        report.problems.append(
            f"`uname -r` in {result.pod} exited with {code}: {stderr.strip() or 'no output'}"
        )
        return None
    kernel: str = stdout.strip()
    return kernel


def _probe_network(
    exec_core: CoreV1Api, untrusted: Any, trusted: Any, timeout: float
) -> NetworkResult:
    """Try a TCP connection from the untrusted pod to the trusted pod; it must go unanswered."""
    target = f"{trusted.status.pod_ip}:{PROBE_PORT}"
    if not trusted.status.pod_ip:
        return NetworkResult(target, None, "the trusted pod has no IP: network isolation not tried")
    host, port = trusted.status.pod_ip, PROBE_PORT
    command = ["timeout", str(PROBE_SECONDS), "bash", "-c", f"exec 3<>/dev/tcp/{host}/{port}"]
    try:
        _, stderr, code = _exec(exec_core, untrusted, command, timeout)
    except _ExecFailedError as error:
        return NetworkResult(target, None, f"the connection attempt {error}: network isolation "
                             "not proven")  # fmt: skip
    if code == TIMED_OUT:
        return NetworkResult(target, True, f"the untrusted pod got no answer from the trusted pod "
                             f"({target}) in {PROBE_SECONDS}s: its namespace's default-deny "
                             "NetworkPolicy is enforced")  # fmt: skip
    if code == 0 or "refused" in stderr.lower():
        how = "connected to" if code == 0 else "was answered (connection refused) by"
        return NetworkResult(target, False, f"the untrusted pod {how} the trusted pod ({target}): "
                             "NetworkPolicy is not enforced on this cluster (its network profile "
                             "has no policy engine, or the engine skips Kata pods)")  # fmt: skip
    return NetworkResult(target, None, f"the connection attempt to the trusted pod ({target}) "
                         f"exited with {code}: {stderr.strip() or 'no output'}; network isolation "
                         "not proven")  # fmt: skip


def report_json(report: VerifyReport) -> str:
    return json.dumps(report.to_json(), indent=2)
