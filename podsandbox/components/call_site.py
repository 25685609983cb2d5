"""Where a program built a component: its own file and line, for the component's input error.

A component's error otherwise names neither the program line that passed the bad input nor, with
several components of one type, which one it was.
"""

import sysconfig
import traceback
from pathlib import Path
from typing import Optional

_PACKAGE = Path(__file__).resolve().parent.parent
"""podsandbox/: its frames are the component's own, not the program's."""
_NOT_THE_PROGRAM = tuple(
    Path(sysconfig.get_paths()[kind]).resolve() for kind in ("stdlib", "purelib", "platlib")
)
"""The standard library and installed packages (the Pulumi SDK, grpc): never the program."""


def program_call_site() -> Optional[str]:
    """`file:line` of the innermost frame of the program (relative to the working directory, the
    program's folder under the Pulumi CLI), or None when every frame is this package's, the
    standard library's or an installed package's (a component built over the plugin)."""
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.startswith("<"):
            continue
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_PACKAGE) or any(path.is_relative_to(p) for p in _NOT_THE_PROGRAM):
            continue
        try:
            shown = path.relative_to(Path.cwd())
        except ValueError:
            shown = path
        return f"{shown}:{frame.lineno}"
    return None
