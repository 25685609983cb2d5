"""The sandboxing rules: what AKS requires of a Pod Sandboxing pool and what a sandboxed pod may do.

Pure Python, standard library only: the Pulumi program, the components, the policy pack (which
installs this package without extras) and the command line all judge with these modules.

- `aks`: runtime generations, OS SKU, minimum Kubernetes versions, AKS labels;
- `vmsizes`: the VM size name grammar and the series catalog (Gen2 + nested virtualization);
- `sizing`: sandbox VM sizes and node capacity, Kubernetes quantities;
- `judge`: the one judge of a sandboxing pool's and cluster's settings, used by every caller;
- `pools`, `workloads`: pools and pod specs found in engine-shaped inputs (as policies see them);
- `policy_checks`: the checks behind the policy pack.

The stack's settings, which use these rules, are `podsandbox.stack`.
"""
