"""Display helpers shared by the screens: translated-later labels, dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

from domain.i18n import _, language


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it yet (translated where shown)."""
    return message


def vn_date(value: date | datetime | None) -> str:
    """Dates are written dd/mm/yyyy in both languages (the users' convention)."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def number(value: int | None) -> str:
    """33.000 in Vietnamese, 33,000 in English."""
    if value is None:
        return "–"
    text = f"{value:,}"
    return text.replace(",", ".") if language() == "vi" else text


def translate_error(exc: BaseException) -> str:
    """A domain error's sentence in the user's language when the catalog knows it."""
    return _(str(exc))


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")
