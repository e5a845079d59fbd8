"""Every message of domain/ and commands/ speaks Vietnamese by default and English with
BBT_LANG=en; the compiled catalog is the one committed."""

from __future__ import annotations

import ast
import gettext
import io
import string
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.i18n import LOCALE_DIR
from tests.conftest import Bbt

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "vi/LC_MESSAGES/bbt.po"
MO = LOCALE_DIR / "vi/LC_MESSAGES/bbt.mo"
ERRORS = {"BBTError", "AuthError", "NotFound", "Conflict"}
VI = {"BBT_LANG": "vi"}
EN = {"BBT_LANG": "en"}


def marked_msgid(node: ast.AST) -> str | None:
    """The literal of _("...") or N_("..."), else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "N_"} and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def core_msgids() -> set[str]:
    found = set()
    for folder in ("domain", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (msgid := marked_msgid(node)) is not None:
                    found.add(msgid)
    return found


def fields(text: str) -> list[tuple[str, str]]:
    """The named fields with their format specs: {mb:,} must stay {mb:,}."""
    return sorted((name, spec or "") for _, name, spec, _ in string.Formatter().parse(text)
                  if name is not None)


def test_every_core_message_has_a_vietnamese_translation_with_the_same_fields() -> None:
    with PO.open("rb") as handle:
        translations = {str(m.id): str(m.string or "") for m in read_po(handle) if m.id}
    msgids = core_msgids()
    assert len(msgids) > 200  # the extraction itself works
    missing = sorted(m for m in msgids if not translations.get(m))
    assert not missing, missing
    untranslated = sorted(m for m in msgids if translations[m] == m)
    assert not untranslated, untranslated
    wrong = sorted(m for m in msgids if fields(translations[m]) != fields(m))
    assert not wrong, wrong


def test_refusals_and_table_titles_are_never_built_outside_the_catalog() -> None:
    """A raise BBTError(f"...") or a literal table title would reach a Vietnamese operator in
    English; the one-time password lines stay bilingual because scripts parse them."""
    offenders = []
    for folder in ("domain", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                first = node.args[0]
                literal = isinstance(first, ast.JoinedStr | ast.BinOp) or (
                    isinstance(first, ast.Constant) and isinstance(first.value, str))
                if name in ERRORS | {"print_table"} and literal:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_the_compiled_catalog_matches_the_po_file() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    fresh.seek(0)
    with MO.open("rb") as committed:
        shipped = gettext.GNUTranslations(committed)
    expected = gettext.GNUTranslations(fresh)
    assert shipped._catalog == expected._catalog  # type: ignore[attr-defined]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the wording is engine-blind
def test_the_cli_speaks_vietnamese_by_default_and_english_on_request(bbt: Bbt) -> None:
    refused = bbt("unit", "add", "X", "x", "--kind", "planet", env=VI)
    assert refused.exit_code == 1 and "Loại đơn vị 'planet' không hợp lệ" in refused.stderr
    refused = bbt("unit", "add", "X", "x", "--kind", "planet", env=EN)
    assert refused.exit_code == 1 and "Unit kind 'planet' is unknown" in refused.stderr

    bad_date = bbt("doc", "list", "--from", "2022-13-01", env=VI)
    assert bad_date.exit_code == 1
    assert "'2022-13-01' không phải ngày hợp lệ (ngày bắt đầu)" in bad_date.stderr
    assert "start date '2022-13-01' is not a date" in bbt("doc", "list", "--from", "2022-13-01",
                                                         env=EN).stderr

    assert "Chuỗi nhật ký nguyên vẹn" in bbt.ok("audit", "verify", env=VI).stdout
    assert "Audit chain intact" in bbt.ok("audit", "verify", env=EN).stdout
    assert "Tài khoản" in bbt.ok("account", "list", env=VI).stdout

    stranger = Bbt(bbt.url)  # no BBT_USER and no terminal
    refused = stranger("unit", "list", env={**VI, "BBT_USER": None, "BBT_PASSWORD": None})
    assert refused.exit_code == 3 and "Chưa đăng nhập" in refused.stderr
    assert "Traceback" not in refused.output

    # An unknown BBT_LANG falls back to Vietnamese, never to a half-translated mix.
    assert "Loại đơn vị" in bbt("unit", "add", "X", "x", "--kind", "planet",
                                env={"BBT_LANG": "fr"}).stderr


def test_a_count_reads_right_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    """English has a singular ("1 unit behind"), Vietnamese one form for every count."""
    from domain.i18n import N_, plural

    forms = (N_("{n} unit chosen"), N_("{n} units chosen"))
    english = [plural(n, *forms).format(n=n) for n in (0, 1, 2)]
    monkeypatch.setenv("BBT_LANG", "vi")
    vietnamese = [plural(n, *forms).format(n=n) for n in (0, 1, 2)]
    assert english == ["0 units chosen", "1 unit chosen", "2 units chosen"]
    assert vietnamese == ["đã chọn 0 đơn vị", "đã chọn 1 đơn vị", "đã chọn 2 đơn vị"]
