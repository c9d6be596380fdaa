"""Masking ID numbers that turn up in free text (a user name typed at the login, a value
quoted in an error message) before it is answered or logged."""

from __future__ import annotations

import re

from renkou import ids

# 18-digit numbers (last may be X) and 15-digit ones, not inside a longer run of digits.
_ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")


def redact_ids(text: str) -> str:
    """``text`` with every ID-number-shaped run masked (``120111********123X``)."""
    return _ID_LIKE.sub(lambda m: ids.mask(m.group(0)), text)


def mask_name(name: str) -> str:
    """A name as a clerk may see it: the surname's first character, the rest starred
    (``张**``); a compound surname stays hidden, the length alone tells little."""
    text = name.strip()
    if not text:
        return ""
    return text[0] + "*" * max(len(text) - 1, 1)
