"""How the reports write values: `show` for a reader, `strict_json` for a JSON document."""

from __future__ import annotations

import json
import math
from typing import Any


def show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def strict_json(document: Any) -> str:
    """Strict JSON: a non-finite number a program put in a value (NaN, infinity) becomes its
    name as a string, since JSON has no such numbers and `json.dumps` would write invalid JSON."""

    def finite(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value).replace("inf", "Infinity").replace("nan", "NaN")
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(document), indent=2, allow_nan=False)
