"""The plugin's entry point: the Pulumi CLI starts it as `python <this folder> <engine address>`.

Serves `SandboxedCluster`, `SandboxedNodePool`, `SandboxGuardrail` and `SandboxNodeProvisioning` to
every Pulumi language (`pulumi package add`).
The plugin's environment installs this repository's package (requirements.txt): the components
are `podsandbox.components`, this folder holds only what makes it a plugin.
"""

import sys

from pulumi.provider import main

from podsandbox.components.provider import provider

if __name__ == "__main__":
    main(provider(), sys.argv[1:])
