"""A small Kubernetes API server on 127.0.0.1 for the `verify` tests.

Plain HTTP for the reads `verify` makes (pods, nodes, RuntimeClasses), the discovery and paged
lists `audit` makes (`fake_listing.py`), and the websocket exec
channel protocol (`v4.channel.k8s.io`) for `uname -r`, so the real `kubernetes` client, stream
module included, talks to it exactly as it would to AKS.

Dry-run pod creates meet the ValidatingAdmissionPolicies deployed on the fake cluster, their CEL
evaluated with cel-python (`cel_admission.py`), and are answered as the API server answers
(kubernetes `staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/dispatcher.go`):
`Deny` refuses with the validation's reason and `ValidatingAdmissionPolicy '<policy>' with binding
'<binding>' denied request: <message>`; `Warn` admits with a `Warning` header. Without a policy a
pod is admitted, as on any cluster.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs, urlparse

from podsandbox.guardrail.plan import binding_guards
from tests import fake_listing
from tests.cel_admission import AdmissionPolicy

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REASON_CODES = {"Unauthorized": 401, "Forbidden": 403, "Invalid": 422,
                "RequestEntityTooLarge": 413}  # fmt: skip
"""What a validation's reason turns into (the dispatcher's `reasonToCode`; Invalid by default)."""
NODE_KERNEL = "5.15.80.mshv2-hvl1.m2"
GUEST_KERNEL = "5.15.48.1-8.cm2"


@dataclass
class FakePod:
    namespace: str
    name: str
    node: str
    kernel: str
    """What `uname -r` prints inside the pod."""
    runtime_class: Optional[str] = None
    phase: str = "Running"
    pending_reads: int = 0
    """Reads that answer Pending before the pod runs (-1: never runs)."""
    exec_refused: bool = False
    exec_exit_code: int = 0
    reason: str = ""
    ip: str = "10.244.0.7"
    probe_exit_code: int = 124
    """What a `timeout ... bash -c 'exec 3<>/dev/tcp/...'` connection attempt from this pod exits
    with: 124 (no answer: NetworkPolicy enforced), 1 (refused) or 0 (connected)."""
    probe_stderr: str = ""
    probes: list[list[str]] = field(default_factory=list)
    resources: dict[str, Any] = field(
        default_factory=lambda: {"limits": {"cpu": "500m", "memory": "256Mi"},
                                 "requests": {"cpu": "500m", "memory": "256Mi"}}
    )  # fmt: skip
    """The demo pods' defaults (demoCpuLimit, demoMemoryLimit)."""

    def manifest(self) -> dict[str, Any]:
        phase = self.phase
        if self.pending_reads != 0:
            phase = "Pending"
            if self.pending_reads > 0:
                self.pending_reads -= 1
        running = phase == "Running"
        state: dict[str, Any] = (
            {"running": {"startedAt": "2026-11-29T00:00:00Z"}}
            if running
            else {"waiting": {"reason": self.reason or "ContainerCreating"}}
        )
        spec: dict[str, Any] = {
            "nodeName": self.node,
            "containers": [
                {
                    "name": self.name,
                    "image": "base-ubuntu:v0.0.11",
                    "resources": self.resources,
                    "securityContext": {"allowPrivilegeEscalation": False},
                    "terminationMessagePath": "/dev/termination-log",
                }
            ],
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534},
            "automountServiceAccountToken": False,
            "priority": 0,
        }
        if self.runtime_class:
            spec["runtimeClassName"] = self.runtime_class
            spec["overhead"] = {"cpu": "250m", "memory": "160Mi"}  # set by RuntimeClass admission
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
            "status": {
                "phase": phase,
                "podIP": self.ip,
                "containerStatuses": [
                    {
                        "name": self.name,
                        "ready": running,
                        "restartCount": 0,
                        "image": "base-ubuntu:v0.0.11",
                        "imageID": "",
                        "state": state,
                    }
                ],
            },
        }


@dataclass
class FakeCluster:
    pods: list[FakePod]
    node_labels: dict[str, dict[str, str]]
    runtime_classes: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    """Deployed ValidatingAdmissionPolicy manifests."""
    bindings: list[dict[str, Any]] = field(default_factory=list)
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    creates: list[tuple[dict[str, list[str]], dict[str, Any]]] = field(default_factory=list)
    """Each pod create: its query and its body."""
    create_forbidden: bool = False
    """RBAC refuses pod creates."""
    stored_pods: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Pods as manifests, by (namespace, name): what updates (PUT) start from and store."""
    objects: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """Other listed objects (and pods besides `pods`), by (API group, resource): `audit` lists
    them (`fake_listing.py`)."""
    agent_sandboxes: bool = False
    """The agent-sandbox CRDs are installed (their groups are served)."""
    refused_lists: set[tuple[str, str]] = field(default_factory=set)
    """(resource, namespace) lists RBAC refuses."""
    expired_continue: bool = False
    """Every `continue` token has expired (410)."""
    list_queries: list[dict[str, list[str]]] = field(default_factory=list)

    def admit(
        self,
        namespace: str,
        obj: dict[str, Any],
        old: Optional[dict[str, Any]] = None,
        sub_resource: str = "",
    ) -> tuple[Optional[dict[str, Any]], list[str]]:
        """The refusal (a Status) or None, and the warnings, of a pod create in `namespace`, or
        of an update from `old` (through `sub_resource`, e.g. "ephemeralcontainers")."""
        warnings = []
        labels = self.namespace_labels.get(namespace, {})
        policies = {policy["metadata"]["name"]: policy for policy in self.policies}
        operation = "CREATE" if old is None else "UPDATE"
        resource = "pods/" + sub_resource if sub_resource else "pods"
        for binding in self.bindings:
            policy = policies.get(binding["spec"]["policyName"])
            if policy is None or not _matches(policy, resource, operation):
                continue
            if not binding_guards(binding, namespace, labels):
                continue
            refused = AdmissionPolicy(policy).refusals(obj, old, sub_resource)
            if not refused:
                continue
            names = (
                f"ValidatingAdmissionPolicy '{policy['metadata']['name']}' with binding "
                f"'{binding['metadata']['name']}'"
            )
            actions = binding["spec"]["validationActions"]
            message = refused[0].get("message") or (
                f"failed to evaluate match condition {refused[0].get('name')!r}"
            )
            if "Warn" in actions:
                warnings.append(f"Validation failed for {names}: {message}")
            if "Deny" in actions:
                reason = refused[0].get("reason") or "Invalid"
                cause = f"{names} denied request: {message}"
                return {
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": f"pods \"{obj['metadata']['name']}\" is forbidden: {cause}",
                    "reason": reason, "code": REASON_CODES[reason],
                    "details": {"name": obj["metadata"]["name"], "kind": "pods",
                                "causes": [{"message": cause}]},
                }, warnings  # fmt: skip
        return None, warnings

    def pod(self, namespace: str, name: str) -> Optional[FakePod]:
        return next(
            (pod for pod in self.pods if (pod.namespace, pod.name) == (namespace, name)), None
        )

    def node(self, name: str) -> Optional[dict[str, Any]]:
        if name not in self.node_labels:
            return None
        info = dict.fromkeys(
            ("architecture", "bootID", "containerRuntimeVersion", "kubeProxyVersion",
             "kubeletVersion", "machineID", "operatingSystem", "osImage", "systemUUID"),
            "x",
        )  # fmt: skip
        info["kernelVersion"] = NODE_KERNEL
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": self.node_labels[name]},
            "status": {"nodeInfo": info},
        }


KATA_LABEL = {"kubernetes.azure.com/kata-vm-isolation": "true"}


def healthy_cluster() -> FakeCluster:
    """The demo's pods as `pulumi up` leaves them: the untrusted one sandboxed on a Kata node."""
    return FakeCluster(
        pods=[
            FakePod("default", "trusted", node="aks-nodepool1-0", kernel=NODE_KERNEL),
            FakePod(
                "untrusted",
                "untrusted",
                node="aks-nodepool1-0",
                kernel=GUEST_KERNEL,
                runtime_class="kata-vm-isolation",
            ),
        ],
        node_labels={"aks-nodepool1-0": dict(KATA_LABEL)},
        runtime_classes={"kata-vm-isolation"},
    )


def _matches(policy: dict[str, Any], resource: str, operation: str) -> bool:
    """Whether a resource rule of the policy matches `operation` on the core `resource` (a
    subresource only by its own name, "pods/ephemeralcontainers": kubernetes
    `admission/plugin/policy/matching`, `rules.go`)."""
    rules = policy["spec"].get("matchConstraints", {}).get("resourceRules", [])
    return any(
        "" in rule["apiGroups"] and resource in rule["resources"]
        and {operation, "*"} & set(rule["operations"])
        for rule in rules
    )  # fmt: skip


def _frame(payload: bytes, opcode: int) -> bytes:
    """One unmasked server-to-client websocket frame."""
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, size])
    else:
        header = bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
    return header + payload


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: dict[str, Any], warnings: Sequence[str] = ()) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for warning in warnings:
            quoted = warning.replace("\\", "\\\\").replace('"', '\\"')
            self.send_header("Warning", f'299 - "{quoted}"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self, what: str) -> None:
        self._json(
            404,
            {"kind": "Status", "apiVersion": "v1", "status": "Failure",
             "message": f"{what} not found", "reason": "NotFound", "code": 404},
        )  # fmt: skip

    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        self.cluster.requests.append(url.path)
        listed = fake_listing.answer(self.cluster, parts, parse_qs(url.query))
        if listed is not None:
            return self._json(*listed)
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) >= 6 and parts[4] == "pods":
            pod = self.cluster.pod(parts[3], parts[5])
            if pod is None:
                return self._not_found(f"pods {parts[5]!r}")
            if len(parts) == 7 and parts[6] == "exec":
                return self._exec(pod, parse_qs(url.query))
            return self._json(200, pod.manifest())
        if parts[:3] == ["api", "v1", "nodes"] and len(parts) == 4:
            node = self.cluster.node(parts[3])
            return self._json(200, node) if node else self._not_found(f"nodes {parts[3]!r}")
        if parts[:4] == ["apis", "node.k8s.io", "v1", "runtimeclasses"] and len(parts) == 5:
            if parts[4] in self.cluster.runtime_classes:
                return self._json(
                    200,
                    {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
                     "metadata": {"name": parts[4]}, "handler": "kata"},
                )  # fmt: skip
            return self._not_found(f"runtimeclasses.node.k8s.io {parts[4]!r}")
        return self._not_found(url.path)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        self.cluster.requests.append(f"POST {url.path}?{url.query}")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if parts[:3] != ["api", "v1", "namespaces"] or parts[4:] != ["pods"]:
            return self._not_found(url.path)
        query = parse_qs(url.query)
        self.cluster.creates.append((query, body))
        if self.cluster.create_forbidden:
            return self._json(
                403,
                {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403,
                 "reason": "Forbidden", "message": 'pods is forbidden: User "dev" cannot create '
                 f'resource "pods" in API group "" in the namespace "{parts[3]}"'},
            )  # fmt: skip
        metadata = body.setdefault("metadata", {})
        metadata.setdefault("name", metadata.get("generateName", "") + "x7k2p")
        metadata["namespace"] = parts[3]
        refusal, warnings = self.cluster.admit(parts[3], body)
        if refusal is not None:
            return self._json(refusal["code"], refusal, warnings)
        if query.get("dryRun") != ["All"]:
            return self._json(500, {"kind": "Status", "message": "the fake stores nothing"})
        return self._json(201, body, warnings)

    def do_PUT(self) -> None:
        """An update of a pod, or of its `ephemeralcontainers` / `resize` subresource (the body
        is the whole Pod), admitted against its stored manifest, then stored."""
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        self.cluster.requests.append(f"PUT {url.path}")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if parts[:3] != ["api", "v1", "namespaces"] or parts[4:5] != ["pods"] or len(parts) < 6:
            return self._not_found(url.path)
        namespace, name, sub_resource = parts[3], parts[5], "/".join(parts[6:])
        old = self.cluster.stored_pods.get((namespace, name))
        if old is None:
            return self._not_found(f"pods {name!r}")
        refusal, warnings = self.cluster.admit(namespace, body, old, sub_resource)
        if refusal is not None:
            return self._json(refusal["code"], refusal, warnings)
        self.cluster.stored_pods[(namespace, name)] = body
        return self._json(200, body, warnings)

    def _exec(self, pod: FakePod, query: dict[str, list[str]]) -> None:
        if pod.exec_refused or self.headers.get("Upgrade", "").lower() != "websocket":
            return self._json(
                403,
                {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403,
                 "reason": "Forbidden", "message": "pods/exec is forbidden"},
            )  # fmt: skip
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest())
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.send_header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
        self.end_headers()
        command = query.get("command") or []
        code, stdout, stderr = pod.exec_exit_code or 1, "", "uname: failed\n"
        if command == ["uname", "-r"] and pod.exec_exit_code == 0:
            code, stdout, stderr = 0, pod.kernel + "\n", ""
        elif command[:1] == ["timeout"]:
            pod.probes.append(command)
            code, stderr = pod.probe_exit_code, pod.probe_stderr
        if stdout:
            self.wfile.write(_frame(b"\x01" + stdout.encode(), 0x2))
        if stderr:
            self.wfile.write(_frame(b"\x02" + stderr.encode(), 0x2))
        status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        if code != 0:
            status = {
                "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
            }  # fmt: skip
        self.wfile.write(_frame(b"\x03" + json.dumps(status).encode(), 0x2))
        self.wfile.write(_frame(b"\x03\xe8", 0x8))  # close, 1000
        self.wfile.flush()
        self.close_connection = True


class FakeApiServer:
    """Serves `cluster` on 127.0.0.1 (an ephemeral port) until `close()`."""

    def __init__(self, cluster: FakeCluster) -> None:
        handler = type("Handler", (_Handler,), {"cluster": cluster})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def write_kubeconfig(self, path: Path) -> Path:
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "fake", "user": {"token": "test-token"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                    "current-context": "fake",
                }
            )
        )
        return path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
