"""Limits before the database (SPEC section 7.2, issue 12): every hostile or careless input
of the issue ends as one sentence and exit 1, never "Unexpected error", SQL, parameters,
class names or a password hash; invisible characters never reach a title or a name."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, Bbt

ROOT = Path(__file__).resolve().parent.parent
# What must never reach the user: SQL, bound parameters, class or exception names.
LEAKS = re.compile(r"\[SQL|\[parameters|INSERT|UPDATE |SELECT |\$argon2|Error\b|Exception|"
                   r"Traceback|sqlalchemy|psycopg|sqlite3|Unexpected error")
HOSTILE = "\u202eTin\u200b bài\x7f \x85mới\u2066\u00ad"  # RLO, ZWSP, DEL, C1 NEL, LRI, SHY
CLEAN = "Tin bài mới"


def one_sentence(result) -> str:  # type: ignore[no-untyped-def]
    """The refusal: exit 1, one line on stderr, nothing that leaks."""
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert message and "\n" not in message, message
    assert not LEAKS.search(message), message
    return message


# ------------------------------------------------------------------ counts and numbers


def test_visitor_count_beyond_the_range_is_refused_before_the_database(bbt: Bbt) -> None:
    before = bbt.json("visits", "list")
    message = one_sentence(bbt("visits", "set", "2022-07", "9223372036854775807"))
    assert "1,000,000,000" in message
    one_sentence(bbt("visits", "set", "2022-07", "1000000001"))
    assert bbt.json("visits", "list") == before
    bbt.ok("visits", "set", "2022-07", "1000000000")  # the top of the range is a count
    # the half-year report still adds up (it overflowed before)
    assert bbt("report", "check", "--year", "2022", "--half", "2").exit_code in (0, 1)
    assert "overflow" not in bbt("report", "check", "--year", "2022", "--half", "2").output


def test_historical_number_beyond_any_register_is_one_sentence(bbt: Bbt) -> None:
    one_sentence(bbt("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn",
                     "--date", "2022-01-05", "--number", "9223372036854775807"))


# ------------------------------------------------------------------ text


def test_a_300_character_username_never_prints_the_hash_or_sql(bbt: Bbt) -> None:
    message = one_sentence(bbt("account", "add", "a" * 300, "--unit", "BBT", "--role",
                               "clerk", "--password-stdin", input="Mat-khau-dai-2022\n"))
    assert "80" in message
    assert "a" * 81 not in message


def test_every_text_field_has_its_limit(bbt: Bbt) -> None:
    from domain.limits import TEXT_LIMITS

    message = one_sentence(bbt("article", "add", "--title", "t" * (TEXT_LIMITS["title"] + 1),
                               "--kind", "news", "--unit", "BBT"))
    assert "1,000" in message
    one_sentence(bbt("unit", "add", "X1", "n" * 256, "--kind", "board"))
    one_sentence(bbt("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                     "t" * 1001, "--date", "2022-01-05"))
    bbt.ok("article", "add", "--title", "t" * TEXT_LIMITS["title"], "--kind", "news",
           "--unit", "BBT")


def test_readme_documents_the_limits() -> None:
    from domain.limits import COUNT_MAX, DATE_MAX, DATE_MIN, TEXT_LIMITS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for field, limit in TEXT_LIMITS.items():
        assert re.search(rf"\|\s*`{field}`\s*\|\s*{limit:,}\s*\|", readme), field
    assert f"{COUNT_MAX:,}" in readme
    assert DATE_MIN.isoformat() in readme and DATE_MAX.isoformat() in readme


def test_invisible_covers_every_control_format_and_surrogate_character() -> None:
    from domain.limits import INVISIBLE

    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cn":
            continue  # unassigned here, format characters in a newer Unicode (U+13439...)
        expected = category in ("Cf", "Cs") or (category == "Cc" and char not in "\t\n\r")
        assert bool(INVISIBLE.match(char)) == expected, hex(code)


def test_invisible_characters_leave_titles_and_names_from_the_cli(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "X2", HOSTILE, "--kind", "board")
    assert {u["code"]: u["name"] for u in bbt.json("unit", "list")}["X2"] == CLEAN
    number = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", HOSTILE,
                    "--date", "2022-01-05").stdout.strip()
    assert bbt.json("doc", "show", number)["title"] == CLEAN


def test_invisible_characters_leave_the_domain_as_the_tui_calls_it(bbt: Bbt) -> None:
    """The TUI's forms call these domain functions with the text typed: the same cleaning."""
    from domain import accounts, articles, units
    from domain.db import get_engine, transaction

    engine = get_engine(bbt.url)
    with transaction(engine) as session:
        admin = accounts.actor_of(session, accounts.get(session, "admin"))
        unit = units.add(session, admin, "X3", HOSTILE, "board")
        article = articles.add(session, admin, HOSTILE, "news", "BBT", author=HOSTILE)
    assert unit.name == CLEAN and article.title == CLEAN and article.author == CLEAN


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_invisible_characters_and_nul_leave_imported_titles(bbt: Bbt, tmp_path: Path,
                                                            fmt: str) -> None:
    """JSON "\\u0000" was stored by SQLite and crashed PostgreSQL; bidi, zero-width, DEL and
    C1 characters stayed in titles."""
    title = "\u0000" + HOSTILE if fmt == "json" else HOSTILE
    row = {"title": title, "kind": "news", "unit": "BBT", "author": HOSTILE,
           "submitted": "2022-03-01"}
    path = tmp_path / f"articles.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps([row]), encoding="utf-8")
    elif fmt == "csv":
        path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n", encoding="utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(list(row))
        book.active.append(list(row.values()))
        book.save(path)
    bbt.ok("import", "articles", str(path))
    exported = tmp_path / "out.json"
    bbt.ok("export", "articles", "-o", str(exported))
    titles = {a["title"]: a["author"] for a in json.loads(exported.read_text(encoding="utf-8"))}
    assert titles[CLEAN] == CLEAN


# ------------------------------------------------------------------ dates


def test_dates_outside_1945_to_2100_are_one_sentence(bbt: Bbt) -> None:
    message = one_sentence(bbt("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                               "Công văn", "--date", "0001-01-01"))
    assert "1945-01-01" in message and "2100-12-31" in message
    one_sentence(bbt("doc", "list", "--from", "0001-01-01"))
    one_sentence(bbt("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn",
                     "--date", "9999-12-31"))
    for command in (["report", "annual", "--year", "2022"], ["report", "check", "--year", "2022"]):
        one_sentence(bbt(*command, "--date", "0001-01-01"))


# ------------------------------------------------------------------ files


def test_a_header_of_a_million_columns_is_refused_quickly(bbt: Bbt, tmp_path: Path) -> None:
    import time

    path = tmp_path / "wide.csv"
    path.write_text(",".join(["c"] * 1_000_000) + "\n1\n", encoding="utf-8")
    started = time.monotonic()
    message = one_sentence(bbt("import", "units", str(path)))
    assert "1,000,000 columns" in message
    assert time.monotonic() - started < 30


def test_json_1e300_and_nan_are_refused_for_their_row_or_file(bbt: Bbt, tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('[{"month": "2022-07", "visitors": 1e300}]', encoding="utf-8")
    result = bbt("import", "visits", str(huge), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["rejected"] == [
        {"row": 1, "errors": ["visitors: At most 1,000,000,000."]}]
    assert not LEAKS.search(result.stderr)
    dated = tmp_path / "dated.json"
    dated.write_text('[{"title": "T", "kind": "news", "unit": "BBT", "submitted": 1e300}]',
                     encoding="utf-8")
    assert bbt("import", "articles", str(dated)).exit_code == 1
    for constant in ("NaN", "Infinity", "-Infinity"):
        odd = tmp_path / "odd.json"
        odd.write_text(f'[{{"month": "2022-07", "visitors": {constant}}}]', encoding="utf-8")
        assert "not valid JSON" in one_sentence(bbt("import", "visits", str(odd)))


def _limited(file_size: int) -> None:  # pragma: no cover - runs in the child
    """In the child: files may grow to `file_size` bytes (a full disk, as the process sees
    it). SIGXFSZ keeps its default action: `bbt` itself must turn it into an error."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


def _bbt_process(url: str, *args: str, file_size: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BBT_DATABASE_URL": url, "BBT_USER": "admin",
           "BBT_PASSWORD": ADMIN_PASSWORD, "BBT_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "commands.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: _limited(file_size))


def _checkpoint(url: str) -> None:
    """Move SQLite's WAL into the database file, so that the WAL starts empty."""
    import sqlite3

    from domain.db import dispose_all

    dispose_all()
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _articles_csv(path: Path, count: int) -> Path:
    lines = ["title,kind,unit,submitted"]
    lines += [f"Tin số {i},news,BBT,2022-03-01" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_full_disk_when_writing_a_file_is_one_sentence(bbt: Bbt, tmp_path: Path) -> None:
    bbt.ok("import", "articles", str(_articles_csv(tmp_path / "in.csv", 5000)))
    _checkpoint(bbt.url)
    # Room for the database's own small writes (the login, in the WAL), not for the export.
    limit = 256 * 1024
    target = tmp_path / "articles.json"
    done = _bbt_process(bbt.url, "export", "articles", "-o", str(target), file_size=limit)
    assert done.returncode == 1, (done.returncode, done.stderr)
    message = done.stderr.strip()
    assert ("disk is full" in message or "File too large" in message) and "\n" not in message, \
        message
    assert not LEAKS.search(message), message
    assert not target.exists()
    bbt.ok("export", "articles", "-o", str(target))  # with room, the same export is whole
    assert target.stat().st_size > limit


def test_a_full_disk_under_the_sqlite_database_is_one_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bbt.db'}"
    admin = Bbt(url)
    admin.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    admin = admin.as_("admin", ADMIN_PASSWORD)
    _checkpoint(url)
    before = admin.json("article", "list")
    _checkpoint(url)
    # The WAL may not hold the hundreds of pages the import writes.
    done = _bbt_process(url, "import", "articles",
                        str(_articles_csv(tmp_path / "in.csv", 5000)), file_size=40_000)
    assert done.returncode == 1, (done.returncode, done.stderr)
    message = done.stderr.strip()
    assert "\n" not in message and not LEAKS.search(message), message
    assert "full" in message, message
    assert admin.json("article", "list") == before


# ------------------------------------------------------------------ database errors


def test_database_errors_are_sentences_without_sql_or_parameters(db_url: str) -> None:
    """IntegrityError, DataError and OperationalError provoked for real, then described."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from commands.main import _describe
    from domain.db import get_engine, transaction

    engine = get_engine(db_url)
    secret = "s3cr3t-parameter-value"
    statements = [
        # a duplicate unit code (unique constraint) with a parameter that must not show
        ("INSERT INTO unit (code, name, kind, created_at) VALUES ('D1', :p, 'board', "
         "CURRENT_TIMESTAMP)"),
        ("INSERT INTO unit (code, name, kind, created_at) VALUES ('D1', :p, 'board', "
         "CURRENT_TIMESTAMP)"),
    ]
    with pytest.raises(DBAPIError) as caught, transaction(engine) as session:
        for statement in statements:
            session.execute(text(statement), {"p": secret})
    overflow = ("SELECT CAST(:p AS INTEGER) + 2147483647" if engine.dialect.name == "postgresql"
                else "SELECT abs(-9223372036854775807 - 1) || :p")
    with pytest.raises(DBAPIError) as overflowed, transaction(engine, write=False) as session:
        session.execute(text(overflow), {"p": "1" if engine.dialect.name == "postgresql"
                                         else secret})
    for exc in (caught.value, overflowed.value):
        code, message = _describe(exc)
        assert code == 1
        assert secret not in message and not LEAKS.search(message), message
        assert type(exc).__name__ not in message


def test_a_locked_database_is_a_sentence_from_the_cli(bbt: Bbt, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not bbt.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL writers wait for row locks instead")
    import sqlite3

    from domain import db

    db.dispose_all()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(db, "WRITE_WAIT_SECONDS", 0.3)
    holder = sqlite3.connect(bbt.url.split("///", 1)[1], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        message = one_sentence(bbt("unit", "add", "X5", "Đơn vị", "--kind", "board"))
        assert "busy" in message
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        db.dispose_all()
