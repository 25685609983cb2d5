"""AKS Pod Sandboxing: the shared sandboxing rules and the command line around `pulumi up`.

The package imports nothing heavy at import time, so the Pulumi program, the policy pack and the
command line can all use its pure rule modules (`rules`, `vmsizes`, `settings`).
"""
