"""The values one registration row gives a customer: its filled fields (the 身份证号 masked), and
the columns beside them — what staff wrote where it is stored otherwise, a range's bounds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from branchflow.archive.schema import BOUND_KEYS, CUSTOMER_KEYS, RANGED_KEYS
from branchflow.validate.batch import Original
from branchflow.validate.normalize import mask_id

# Stored beside the fields, following them: no history of their own (the field's history tells).
BESIDE_KEYS = (*BOUND_KEYS, "originals")
ROW_KEYS = (*CUSTOMER_KEYS, *BESIDE_KEYS)
_BOUNDS = tuple((key, f"{key}_low", f"{key}_high") for key in RANGED_KEYS)


def drop_values(
    values: Mapping[str, Any], originals: Mapping[str, Original] | None = None
) -> dict[str, Any]:
    """The customer fields a drop fills (validation trims text, so a blank is None or ""); the
    身份证号 is masked. A cell written but not readable (月收入 "面议", kept as written) fills its
    field too: with None, the text going beside it."""
    if tuple(values) == CUSTOMER_KEYS:  # a validated record: just its filled values, in order
        kept = {key: value for key, value in values.items() if value is not None and value != ""}
    else:
        kept = {
            key: value
            for key in CUSTOMER_KEYS
            if (value := values.get(key)) is not None and value != ""
        }
    for key in originals or ():
        if key in values and key not in kept:
            kept[key] = None
    if "id_number" in kept:
        kept["id_number"] = mask_id(str(kept["id_number"]))
    return kept


def beside_values(
    stored: str | None, values: Mapping[str, Any], originals: Mapping[str, Original]
) -> dict[str, Any]:
    """The columns beside the fields after a drop: each field it filled drops its old original
    and takes the new one (if any); numbers it filled take their bounds (a plain number is its
    own bounds). `stored` is the row's originals column so far."""
    if stored is None and not originals:  # the common case: nothing ever corrected
        beside: dict[str, Any] = {"originals": None}
        for key, low, high in _BOUNDS:
            if key in values:
                beside[low] = beside[high] = values[key]
        return beside
    written = json.loads(stored) if stored else {}
    for key in values:
        written.pop(key, None)
    written.update((key, o.text) for key, o in originals.items() if key in values)
    beside = {"originals": originals_text(written)}
    for key, low, high in _BOUNDS:
        if key in values:
            found = originals.get(key)
            ranged = found is not None and found.ranged
            bounds = (found.low, found.high) if ranged and found else (values[key],) * 2
            beside[low], beside[high] = bounds
    return beside


def originals_text(written: Mapping[str, str]) -> str | None:
    """The originals column: a JSON object in field order, or NULL when there is nothing."""
    if not written:
        return None
    return json.dumps(dict(sorted(written.items())), ensure_ascii=False)


def as_text(value: Any) -> str | None:
    """A field value as history keeps it."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
