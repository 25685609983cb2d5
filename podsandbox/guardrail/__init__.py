"""The in-cluster guardrail: the sandboxing workload rules as a Kubernetes admission policy."""
