"""Reading the settings that count something from the environment (one rule, one message)."""

from __future__ import annotations

import os


def whole_number(variable: str, default: int) -> int:
    """A setting that counts something (threads, versions, seconds): a whole number >= 1."""
    value = (os.environ.get(variable) or str(default)).strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{variable} must be a whole number >= 1, not {value!r}")
    return int(value)
