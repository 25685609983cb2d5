"""The offline preview: run a Pulumi program under the SDK's mocks, judge it, report."""
