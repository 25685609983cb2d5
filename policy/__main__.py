"""The AKS Pod Sandboxing policy pack: `pulumi preview --policy-pack policy`.

Only the `PolicyPack(...)` call lives here, because it starts the pack's gRPC server and never
returns. The policies are `podsandbox.pack`, which the pack's environment installs
(requirements.txt) or, in a bundle for `pulumi policy publish`, sit beside this file.
"""

from pulumi_policy import PolicyPack

from podsandbox.pack import PACK_DESCRIPTION, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, description=PACK_DESCRIPTION, policies=POLICIES)
