"""The Vietnamese catalog covers every string the TUI shows, and the compiled .mo is the
one committed (no database involved, so these run once, not per engine)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from domain.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent


def tui_msgids() -> set[str]:
    found = set()
    for path in (ROOT / "bbt_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"_", "N_"} and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_tui_string_has_a_vietnamese_translation() -> None:
    catalog = gettext.translation("bbt", localedir=LOCALE_DIR, languages=["vi"])
    msgids = tui_msgids()
    assert len(msgids) > 100  # the extraction itself works
    missing = sorted(m for m in msgids if catalog.gettext(m) == m)
    assert not missing, missing


def test_translations_keep_their_placeholders() -> None:
    import re

    catalog = gettext.translation("bbt", localedir=LOCALE_DIR, languages=["vi"])
    fields = re.compile(r"\{(\w*)\}")
    wrong = [m for m in tui_msgids()
             if sorted(fields.findall(catalog.gettext(m))) != sorted(fields.findall(m))]
    assert not wrong, wrong


def test_vietnamese_text_is_nfc() -> None:
    import unicodedata

    text = (LOCALE_DIR / "vi/LC_MESSAGES/bbt.po").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert "Đăng nhập" in text
