"""Dates given on the command line (yyyy-mm-dd)."""

from __future__ import annotations

import datetime as dt

from renkou.errors import InputError


def option_date(text: str | None) -> dt.date | None:
    """The date of an option's text (None when the option was not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期“{text}”无效，应为 YYYY-MM-DD") from None
