"""Messages in the operator's language: Vietnamese by default, English with BBT_LANG=en.

Source strings are English and go through gettext catalogs in domain/locale. Mark every
sentence a user reads with _() and fill named fields afterwards, so the catalog can find it:
    raise BBTError(_("There is no unit with code '{code}'.").format(code=code))
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"


def language() -> str:
    lang = os.environ.get("BBT_LANG", "vi").split("_")[0].split(".")[0].lower()
    return lang if lang in ("vi", "en") else "vi"


@lru_cache(maxsize=4)
def _catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation("bbt", localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    return _catalog(language()).gettext(message)


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; translate it with _() where shown."""
    return message


def in_language(lang: str, message: str) -> str:
    """A message in a given language, whatever the operator's: an import reads back files
    exported in either language."""
    return _catalog(lang).gettext(message)


def plural(n: int, one: str, other: str) -> str:
    """The translated message about n things. English says "1 unit" but "2 units", so both
    forms are msgids (each marked with N_ where it is written); Vietnamese has a single
    form and translates both alike. Fill the number in afterwards, as with _()."""
    return _(one if n == 1 else other)
