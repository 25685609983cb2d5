"""The legacy runtime's subscription feature, read before anything is created.

azure-native cannot create a `SubscriptionFeatureRegistration` (a feature's GET always answers, so
create fails with "cannot create already existing resource": pulumi-azure-native #1722), and
registration is asynchronous anyway. So the components read the feature's state and hold every
resource they create on that read: unless it is Registered, the deployment stops with the `az`
commands that register it, before anything exists. A GA runtime reads nothing.
"""

from collections.abc import Sequence
from typing import Optional, TypeVar

import pulumi
from pulumi_azure_native import features

from podsandbox.rules.aks import RuntimeGeneration, feature_registration_problem, split_feature_flag

T = TypeVar("T")


def feature_gate(
    runtime: RuntimeGeneration,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Input[pulumi.Resource]] = (),
) -> Optional[pulumi.Output[str]]:
    """The feature's state once it is Registered (a failed read or another state stops the
    program with what to run), or None when the runtime needs no feature."""
    if runtime.feature_flag is None:
        return None
    namespace, feature = split_feature_flag(runtime.feature_flag)
    registration = features.get_subscription_feature_registration_output(
        provider_namespace=namespace,
        feature_name=feature,
        opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=list(depends_on)),
    )

    def registered(result: features.GetSubscriptionFeatureRegistrationResult) -> str:
        state = result.properties.state if result.properties else None
        if (problem := feature_registration_problem(runtime, state)) is not None:
            raise pulumi.RunError(problem)
        return str(state)

    return registration.apply(registered)


def after(gate: Optional[pulumi.Output[str]], value: pulumi.Input[T]) -> pulumi.Input[T]:
    """`value`, held until the gate has passed (as is, without a gate)."""
    if gate is None:
        return value
    return pulumi.Output.all(gate, value).apply(lambda both: both[1])
