"""How what a component creates lives and dies with the cluster it runs on.

The engine replaces a resource along with a replaced one only when one of its inputs comes from
that resource (a property dependency) or it names it in `deletedWith` (from CLI v3.260.0,
pulumi/pulumi#23818); a `dependsOn` edge alone never does (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`, `calculateDependentReplacements`). So what dies with a
cluster takes its cluster-facing inputs from the cluster and names it in `deletedWith`.
"""

from typing import Any, Optional, TypeVar

import pulumi

T = TypeVar("T")


def output_of(resource: pulumi.Resource, value: pulumi.Input[T]) -> pulumi.Output[T]:
    """`value`, carried as an output of `resource`, so that the input it feeds names `resource`
    among its property dependencies.

    Used for a cluster's name: AKS keeps the name it was given, so the value is the one
    configured, known in a preview too (the cluster's own `name` output is unknown until it is
    created, which would hide the pool's cluster from previews and policies). The dependency
    survives an unknown value, unlike an invoke's: the SDK drops an invoke's dependencies when
    its result is unknown (`pulumi/runtime/invoke.py`, `_invoke`).
    """

    def second(values: list[Any]) -> T:
        chosen: T = values[1]
        return chosen

    return pulumi.Output.all(resource.urn, value).apply(second)


def on_cluster(
    parent: pulumi.Resource,
    opts: Optional[pulumi.ResourceOptions],
    depends_on: list[pulumi.Input[pulumi.Resource]],
) -> pulumi.ResourceOptions:
    """The options of each object a component puts on a cluster: its parent, the caller's order
    (`depends_on`, which children do not inherit), delete-before-replace (the objects have fixed
    names), and the caller's `deleted_with`, handed on to each object: the engine passes a
    parent's on to its children (since v3.70, pulumi/pulumi 653adbe), but the SDK does not send
    it, so an older engine, the preview and the tests would not see it."""
    return pulumi.ResourceOptions(
        parent=parent,
        depends_on=depends_on,
        delete_before_replace=True,
        deleted_with=opts.deleted_with if opts is not None else None,
    )
