"""The plugin's entry point: the Pulumi CLI starts it as `python <this folder> <engine address>`.

Serves `SandboxedCluster` and `SandboxedNodePool` to every Pulumi language (`pulumi package add`).
The plugin's environment installs this repository's package (requirements.txt), which is where
`components` is imported from.
"""

import sys

from pulumi.provider import main

from components.provider import provider

if __name__ == "__main__":
    main(provider(), sys.argv[1:])
