"""The AKS Pod Sandboxing policy pack: `pulumi preview --policy-pack policy`.

Only the `PolicyPack(...)` call lives here, because it starts the pack's gRPC server and never
returns; the policies are in `sandbox_policies.py`, which tests and the offline preview import.
"""

from pulumi_policy import PolicyPack
from sandbox_policies import PACK_DESCRIPTION, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, description=PACK_DESCRIPTION, policies=POLICIES)
