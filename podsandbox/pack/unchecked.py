"""How a policy says "not checked": the policy SDK's "value not known" error, with our message.

The engine (and the offline preview) then report the policy as not run for the resource, with
that message ("can't run policy ... during preview: ..."); the offline preview lists it under
"Not checked", which fails a `--strict` preview. Never a pass in silence.
"""

from __future__ import annotations

from pulumi_policy.proxy import UnknownValueError


class NotCheckedError(UnknownValueError):
    """What the pack cannot judge, and why."""

    def __init__(self, message: str, props: tuple[str, ...] = ()) -> None:
        Exception.__init__(self, message)
        self.unknown_type_sentinel = ""
        self.props = list(props)
        self.message = message
