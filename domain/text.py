"""Text and date helpers: every string that enters the system is NFC (SPEC section 6)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from domain.i18n import N_, _
from domain.limits import INVISIBLE, clean, date_out_of_range, in_date_range


def nfc(value: str) -> str:
    """NFC, without surrounding spaces or invisible characters (controls, NUL that PostgreSQL
    cannot store, bidirectional overrides, zero-width spaces: domain.limits.INVISIBLE)."""
    return clean(value)


def fold(value: str) -> str:
    """Lower-case ASCII for accent-insensitive matching: "Quyết định" -> "quyet dinh"."""
    decomposed = unicodedata.normalize(
        "NFD", INVISIBLE.sub("", value).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


# How the refusals name the date fields callers pass (options and import columns), in the
# operator's language. Labels of their own: a bare "received" is also a delivery status.
_DATE_LABELS = {
    "date": N_("date"), "received": N_("date received"), "submitted": N_("date submitted"),
    "published": N_("publication date"), "publication date": N_("publication date"),
    "due": N_("due date"), "term start": N_("term start"), "from": N_("start date"),
    "to": N_("end date"),
}


def _field_name(field: str) -> str:
    label = _DATE_LABELS.get(field)
    return _(label) if label else field


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: str | date | None, field: str = "date") -> date | None:
    """ISO YYYY-MM-DD or Vietnamese DD/MM/YYYY; anything else is refused in one sentence."""
    from domain.errors import BBTError

    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
    else:
        day = _parse(value.strip(), field)
    if not in_date_range(day):
        raise BBTError(date_out_of_range(_field_name(field)))
    return day


def _parse(text: str, field: str) -> date:
    from domain.errors import BBTError

    try:
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text[:10] if "T" in text or " " in text else text)
    except ValueError:
        raise BBTError(_("{field} '{text}' is not a date; write YYYY-MM-DD or DD/MM/YYYY.")
                       .format(field=_field_name(field), text=text[:40])) from None


def require_date(value: str | date | None, field: str = "date") -> date:
    from domain.errors import BBTError

    parsed = parse_date(value, field)
    if parsed is None:
        raise BBTError(_("{field} is required.").format(field=_field_name(field)))
    return parsed


def vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def today() -> date:
    """Today, or the date in BBT_TODAY: reports printed "as of" a day, and repeatable tests."""
    import os

    pinned = os.environ.get("BBT_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()
