"""Limits on what enters the system, checked before the database is asked (SPEC section 7.2).

Every text field has a maximum length (`TEXT_LIMITS`, also the table in README), every count
the range 0 to `COUNT_MAX`, every date the years `DATE_MIN` to `DATE_MAX`; beyond them the
operator gets one sentence (exit 1), never a database error. Invisible characters (controls,
bidirectional overrides, zero-width spaces) are taken out of text however it arrives.

The domain calls `text`, `count` and `check_date` where input comes in; `check_flush` runs
before every ORM flush as a backstop, so that no over-long or out-of-range value reaches SQL
even from a path that forgot to call them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from domain.i18n import N_, _

COUNT_MAX = 1_000_000_000
DATE_MIN = date(1945, 1, 1)  # the oldest record a Party board keeps: the Republic's founding
DATE_MAX = date(2100, 12, 31)
# Any other whole number a column holds (ids, sequence numbers) stays inside PostgreSQL's
# INTEGER, so that SQLite and PostgreSQL accept the same values.
INT_MAX = 2**31 - 1

# Field -> the most characters it holds. The same names serve CLI options, domain arguments,
# import columns and table columns. Keep README's table equal (a test compares them).
TEXT_LIMITS: dict[str, int] = {
    "code": 40,
    "username": 80,
    "name": 255,
    "full_name": 255,
    "author": 255,
    "signer": 255,
    "place": 120,
    "title": 1000,
    "topic": 500,
    "subsystem": 80,
    "number": 80,
    "note": 2000,
    "reason": 2000,
    "url": 2000,
    "value": 10_000,  # a setting
    "text": 50_000,  # a report's section text
}
# Fields counted in whole units: 0 to COUNT_MAX.
COUNT_FIELDS = frozenset({"visitors", "photos", "count", "copies", "value"})

# How refusals name fields, in the operator's language.
_LABELS = {
    "code": N_("code"), "username": N_("username"), "name": N_("name"),
    "full_name": N_("full name"), "author": N_("author"), "signer": N_("signer"),
    "place": N_("place"), "title": N_("title"), "topic": N_("topic"),
    "subsystem": N_("subsystem"), "number": N_("number"), "note": N_("note"),
    "reason": N_("reason"), "url": N_("address"), "value": N_("value"), "text": N_("text"),
    "visitors": N_("visitors"), "photos": N_("photos"), "count": N_("count"),
    "seq": N_("number"), "incoming_number": N_("number"),
}

# Taken out of every text: C0 controls but TAB, LF, CR; DEL and C1 controls; unpaired
# surrogates (from JSON "\ud800"); and every format character (Unicode category Cf):
# bidirectional marks, overrides and isolates (U+200E, U+202A-U+202E, U+2066-U+2069),
# zero-width spaces and joiners (U+200B-U+200D, U+2060, U+FEFF), soft hyphens, tags. A test
# checks this class against the running Python's Unicode database.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")


def label(field: str) -> str:
    known = _LABELS.get(field)
    return _(known) if known else field


def clean(value: str) -> str:
    """NFC without invisible characters or surrounding spaces."""
    if value.isascii() and value.isprintable():
        return value.strip()  # the common case
    return unicodedata.normalize("NFC", INVISIBLE.sub("", value)).strip()


def too_long(field: str, limit: int) -> str:
    return _("The {field} is longer than {limit} characters.").format(
        field=label(field), limit=f"{limit:,}")


def text(value: str | None, field: str, *, required: bool = False) -> str:
    """A cleaned text within its field's limit; "" when absent and not required."""
    from domain.errors import BBTError

    cleaned = clean(value or "")
    if required and not cleaned:
        raise BBTError(_("The {field} is required.").format(field=label(field)))
    limit = TEXT_LIMITS.get(field)
    if limit is not None and len(cleaned) > limit:
        raise BBTError(too_long(field, limit))
    return cleaned


def out_of_range(field: str, maximum: int = COUNT_MAX) -> str:
    return _("The {field} must be a whole number from 0 to {max}.").format(
        field=label(field), max=f"{maximum:,}")


def count(value: Any, field: str) -> int:
    """A whole number of things, 0 to COUNT_MAX."""
    from domain.errors import BBTError

    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BBTError(out_of_range(field))
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (ValueError, OverflowError):
        number = None
    if number is None or not 0 <= number <= COUNT_MAX:
        raise BBTError(out_of_range(field))
    return number


def date_out_of_range(field: str) -> str:
    return _("The {field} must lie between {first} and {last}.").format(
        field=field, first=DATE_MIN.isoformat(), last=DATE_MAX.isoformat())


def in_date_range(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


# ------------------------------------------------------------------ the flush backstop


def check_values(table: str, values: dict[str, Any], lengths: dict[str, int | None]) -> None:
    """Refuse a row whose text is longer than its field allows or whose number leaves its
    range. `lengths` gives each column's declared length (None for unbounded text)."""
    from domain.errors import BBTError

    for name, value in values.items():
        if isinstance(value, str):
            limit = TEXT_LIMITS.get(name) or lengths.get(name)
            if limit is not None and len(value) > limit:
                raise BBTError(too_long(name, limit))
        elif isinstance(value, int) and not isinstance(value, bool):
            maximum = COUNT_MAX if name in COUNT_FIELDS else INT_MAX
            minimum = 0 if name in COUNT_FIELDS else -INT_MAX
            if not minimum <= value <= maximum:
                raise BBTError(out_of_range(name, maximum))
        elif type(value) is date and not in_date_range(value):  # datetimes come from the clock
            raise BBTError(date_out_of_range(name))


def check_flush(session: Any, _context: Any, _instances: Any) -> None:
    """Session "before_flush" hook: every new or changed row within the limits."""
    from sqlalchemy import String, inspect

    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        values: dict[str, Any] = {}
        lengths: dict[str, int | None] = {}
        for column in mapper.columns:
            key = mapper.get_property_by_column(column).key
            values[column.name] = getattr(obj, key, None)
            if isinstance(column.type, String):
                lengths[column.name] = column.type.length
        check_values(mapper.local_table.name, values, lengths)
