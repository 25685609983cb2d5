"""A module named like this project's own `config`, to prove programs do not see each other's."""

import pulumi

POOL_VM_SIZE = pulumi.Config().require("poolVmSize")
