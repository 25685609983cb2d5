"""The command line's exit codes, shared by every command (`preview`, `vm-size`, `verify`, ...)."""

EXIT_OK = 0
"""Success: nothing against the input."""
EXIT_VIOLATION = 1
"""A verdict against the input: a mandatory policy violation, a VM size that cannot host
sandboxing, a kernel that is not isolated."""
EXIT_USAGE = 2
"""Invalid settings, files or usage, reported without a traceback."""
