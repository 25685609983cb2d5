"""The subscription feature the preview-era (legacy) runtime needs before any pool can use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_azure_native import features

from podsandbox.rules.aks import RuntimeGeneration, split_feature_flag

TYPE_TOKEN = "podsandbox:index:PreviewFeatureRegistration"


@dataclass(frozen=True)
class PreviewFeatureRegistrationArgs:
    runtime: RuntimeGeneration
    """A runtime generation with a feature flag (the legacy KataMshvVmIsolation)."""


class PreviewFeatureRegistration(pulumi.ComponentResource):
    """Registers `Microsoft.ContainerService/KataVMIsolationPreview` on the subscription.

    The registration is subscription-wide and other clusters may rely on it, so `pulumi destroy`
    leaves it registered (retain_on_delete). Azure also wants the Microsoft.ContainerService
    provider re-registered once the feature shows "Registered"; no Azure resource models that
    step, so the component logs the command instead.
    """

    state: pulumi.Output[Optional[str]]
    """Registration state reported by Azure (e.g. "Registering", "Registered")."""

    def __init__(
        self,
        name: str,
        args: PreviewFeatureRegistrationArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        if args.runtime.feature_flag is None:
            raise ValueError(
                f"runtime {args.runtime.workload_runtime} needs no feature registration"
            )
        super().__init__(TYPE_TOKEN, name, None, opts)
        namespace, feature = split_feature_flag(args.runtime.feature_flag)
        registration = features.SubscriptionFeatureRegistration(
            f"{name}-feature",
            provider_namespace=namespace,
            feature_name=feature,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.state = registration.properties.apply(lambda props: props.state if props else None)
        pulumi.log.info(
            f"{args.runtime.feature_flag} is registered by this stack; once it shows Registered, "
            f"run `az provider register --namespace {namespace}` so the provider picks it up",
            resource=self,
        )
        self.register_outputs({"state": self.state})
