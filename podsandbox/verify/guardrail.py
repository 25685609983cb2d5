"""After `pulumi up`: prove that the in-cluster guardrail refuses an unsandboxed pod, and only that.

Two dry-run creates (`dryRun=All`: admission runs in full, nothing is stored) in the untrusted
namespace, of the untrusted demo pod as it runs (its containers, resources and security context):
- without its RuntimeClass, which the guardrail's ValidatingAdmissionPolicy must refuse;
- with it, which must be admitted: a policy that refuses every pod (a CEL evaluation error under
  `failurePolicy: Fail` does that) would pass the first check and prove nothing.

How the API server answers (kubernetes `staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/
validating/dispatcher.go`): a binding with `Deny` refuses with the validation's reason (the
guardrail's is `Forbidden`, HTTP 403) and the message `ValidatingAdmissionPolicy '<policy>' with
binding '<binding>' denied request: <message>`; a binding with `Warn` admits and adds the warning
`Validation failed for ValidatingAdmissionPolicy '<policy>' with binding '<binding>': <message>`.
RBAC's 403 names no policy, so a refusal is the guardrail's only when its message says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from kubernetes.client import ApiClient, CoreV1Api
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from podsandbox.guardrail.plan import AUDIT, GuardrailPlan
from podsandbox.verify.api_errors import cannot_reach, refused_credentials

DRY_RUN = "All"
PROBE_NAME_PREFIX = "podsandbox-verify-"
POD_SPEC_FIELDS = ("automountServiceAccountToken", "nodeSelector", "securityContext")
CONTAINER_FIELDS = ("name", "image", "command", "args", "resources", "securityContext")
"""What the probes copy from the running untrusted pod: what the guardrail judges and what Pod
Security admission reads, not what other admission plugins set (overhead, priority, tolerations,
the service account token volume), which a create must not carry."""

_DENIAL = re.compile(
    r"ValidatingAdmissionPolicy '(?P<policy>[^']*)'(?: with binding '(?P<binding>[^']*)')? "
    r"denied request: (?P<message>.*)",
    re.DOTALL,
)
_WARNING = re.compile(
    r"Validation failed for ValidatingAdmissionPolicy '(?P<policy>[^']*)'"
    r"(?: with binding '(?P<binding>[^']*)')?: (?P<message>.*)",
    re.DOTALL,
)


@dataclass(frozen=True)
class GuardrailExpectation:
    """What the stack deployed: its plan and its policy's name. Without a stack the probes find
    out which policy, if any, guards the namespace."""

    plan: GuardrailPlan
    policy: str


@dataclass
class GuardrailResult:
    """The guardrail check: whether it ran, which policy refused the unsandboxed pod, and why."""

    checked: bool
    refused_by: Optional[str]
    """The refusing ValidatingAdmissionPolicy's name; None when nothing refused."""
    detail: str


@dataclass(frozen=True)
class _Answer:
    """The API server's answer to one dry-run create."""

    admitted: bool
    status: str
    """`201 Created`, or the refusal's code and reason."""
    message: str
    warnings: tuple[str, ...]


def probe_pods(
    running: dict[str, Any], runtime_class: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The unsandboxed and the sandboxed probe, copied from the running pod (a manifest)."""
    spec = running.get("spec") or {}
    kept = {key: spec[key] for key in POD_SPEC_FIELDS if spec.get(key) is not None}
    containers = [
        {key: container[key] for key in CONTAINER_FIELDS if container.get(key) is not None}
        for container in spec.get("containers") or []
    ]
    metadata = {"generateName": PROBE_NAME_PREFIX}
    unsandboxed: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {**kept, "containers": containers},
    }
    sandboxed = {**unsandboxed, "spec": {**unsandboxed["spec"], "runtimeClassName": runtime_class}}
    return unsandboxed, sandboxed


def check_guardrail(
    api: ApiClient,
    running_pod: Any,
    runtime_class: Optional[str],
    expected: Optional[GuardrailExpectation],
) -> tuple[GuardrailResult, Optional[str]]:
    """The check's result and, when it fails, the problem to report.

    Raises `ClusterUnreachableError` when the API server cannot be used at all.
    """
    skipped = _skipped(runtime_class, expected)
    if skipped is not None:
        return GuardrailResult(False, None, skipped), None
    assert runtime_class is not None
    namespace = running_pod.metadata.namespace
    core = CoreV1Api(api)
    unsandboxed, sandboxed = probe_pods(api.sanitize_for_serialization(running_pod), runtime_class)
    what = f"an unsandboxed pod (dry run) in {namespace}"
    answer = _dry_run_create(core, namespace, unsandboxed)
    denial = None if answer.admitted else _DENIAL.search(answer.message)
    if denial is None:
        return _not_refused(answer, what, expected)
    policy = denial["policy"]
    if expected is not None and policy != expected.policy:
        problem = (
            f"{what} was refused by ValidatingAdmissionPolicy '{policy}', not by the stack's "
            f"'{expected.policy}': its guardrail is not proven"
        )
        return GuardrailResult(True, policy, problem), problem
    compliant = _dry_run_create(core, namespace, sandboxed)
    if not compliant.admitted:
        problem = (
            f"the same pod with RuntimeClass {runtime_class} was refused too (dry run, "
            f"{compliant.status}: {compliant.message}): the guardrail refuses compliant pods"
        )
        return GuardrailResult(True, policy, problem), problem
    binding = f" (binding '{denial['binding']}')" if denial["binding"] else ""
    detail = (
        f"{what} was refused by ValidatingAdmissionPolicy '{policy}'{binding}: "
        f"{denial['message']}; the same pod with RuntimeClass {runtime_class} was admitted"
    )
    return GuardrailResult(True, policy, detail), None


def _skipped(
    runtime_class: Optional[str], expected: Optional[GuardrailExpectation]
) -> Optional[str]:
    """Why the check cannot or need not run, or None."""
    if expected is not None and not expected.plan.enabled:
        return (
            "the stack deploys no guardrail (guardrail false, or Kubernetes below 1.30): the "
            "admission check is skipped"
        )
    if expected is not None and expected.plan.enforcement == AUDIT:
        return (
            f"the stack's guardrail ({expected.policy}) is in audit mode (Warn and Audit): it "
            "refuses nothing, so the admission check is skipped; `pulumi config set "
            "guardrailEnforcement deny` makes it refuse"
        )
    if runtime_class is None:
        return (
            "the untrusted pod names no sandboxing RuntimeClass to compare with: the admission "
            "check is skipped"
        )
    return None


def _not_refused(
    answer: _Answer, what: str, expected: Optional[GuardrailExpectation]
) -> tuple[GuardrailResult, Optional[str]]:
    """The result when no ValidatingAdmissionPolicy refused the unsandboxed pod."""
    if not answer.admitted:
        problem = (
            f"{what} was refused, but by no ValidatingAdmissionPolicy ({answer.status}: "
            f"{answer.message}): the guardrail is not proven"
        )
        return GuardrailResult(True, None, problem), problem
    warned = [match for text in answer.warnings if (match := _WARNING.search(text))]
    if expected is not None:
        heard = f"; it was only warned about: {warned[0].string}" if warned else ""
        problem = (
            f"{what} was admitted, but the stack's guardrail (ValidatingAdmissionPolicy "
            f"'{expected.policy}', deny) should refuse it{heard}. Run `pulumi up`, and check the "
            "bindings: kubectl get validatingadmissionpolicybindings"
        )
        return GuardrailResult(True, None, problem), problem
    if warned:
        detail = (
            f"ValidatingAdmissionPolicy '{warned[0]['policy']}' only warned about {what} (audit "
            "mode): it refuses nothing, so the admission check is skipped"
        )
    else:
        detail = (
            f"{what} was admitted without a warning: no guardrail guards the namespace (deploy "
            "it: pulumi config set guardrail true), so the admission check is skipped"
        )
    return GuardrailResult(True, None, detail), None


def _dry_run_create(core: CoreV1Api, namespace: str, pod: dict[str, Any]) -> _Answer:
    body: Any = pod  # the client sends a manifest as it is; its stubs know only V1Pod
    try:
        _, status, headers = core.create_namespaced_pod_with_http_info(
            namespace, body, dry_run=DRY_RUN
        )
    except HTTPError as error:
        raise cannot_reach(error) from None
    except ApiException as error:
        if error.status == 401:  # a 403 may be RBAC's or a policy's: an answer, judged above
            raise refused_credentials(error) from None
        return _Answer(False, f"{error.status} {error.reason}", _status_message(error), ())
    warnings = (_warning_text(value) for value in headers.getlist("Warning"))
    return _Answer(True, f"{status} Created", "", tuple(warnings))


def _warning_text(header: str) -> str:
    """The text of one `Warning` header (RFC 7234: `299 - "text"`, quotes escaped)."""
    quoted = re.fullmatch(r'\d{3} \S+ "(?P<text>(?:[^"\\]|\\.)*)"(?: .*)?', header.strip())
    return re.sub(r"\\(.)", r"\1", quoted["text"]) if quoted else header


def _status_message(error: ApiException) -> str:
    try:
        body = json.loads(error.body or "")
    except ValueError:
        return str(error.body or error.reason)
    message = body.get("message") if isinstance(body, dict) else None
    return str(message or error.reason)
