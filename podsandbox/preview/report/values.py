"""How the reports write values: `show` for a reader, `strict_json` for a JSON document."""

from __future__ import annotations

import json
from typing import Any

from podsandbox.preview.inert import json_value


def show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def strict_json(document: Any) -> str:
    """Strict JSON for any values a program sent (`inert.json_value`): `json.dumps` alone would
    write NaN and infinity, which JSON does not have, and lone surrogates, which UTF-8 does not."""
    return json.dumps(json_value(document), indent=2, allow_nan=False)
