"""The register is the record (SPEC 7.1): drafts cost nothing, a registration spends one
number once per period and freezes the report, failures spend nothing, withdrawn documents
count nowhere, returned deliveries are never late, Party terms and date order hold, and a
number naming two documents is refused."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user

H1 = ("report", "half-year", "--year", "2022", "--half", "1", "--date", "2022-06-13")


def bc_numbers(bbt: Bbt) -> list[str]:
    return sorted(d["number"] for d in bbt.json("doc", "list", "--limit", "0")
                  if d["type"] == "BC")


def test_drafts_register_once_and_print_the_same(demo: Bbt, tmp_path: Path) -> None:
    before = bc_numbers(demo)
    draft = demo.ok(*H1).stdout
    assert "Số      -BC/BBT" in draft and "117-BC/BBT" not in draft
    word = tmp_path / "nhap.docx"
    demo.ok(*H1, "-o", str(word))  # the format follows the extension
    assert word.read_bytes()[:2] == b"PK" and stat.S_IMODE(word.stat().st_mode) == 0o600
    assert demo(*H1, "--format", "pdf", "-o", str(tmp_path / "x.docx")).exit_code == 2
    again = demo(*H1, "-o", str(word))
    assert again.exit_code == 1 and "already exists" in again.stderr
    demo.ok(*H1, "-o", str(word), "--force")
    assert bc_numbers(demo) == before  # drafts spend nothing

    issued = tmp_path / "117.md"
    assert demo.ok(*H1, "--register", "-o", str(issued)).stdout.startswith("117-BC/BBT")
    text = issued.read_text(encoding="utf-8")
    assert "Số 117-BC/BBT" in text and "Nhật ký hệ thống tại thời điểm đăng ký" in text
    refused = demo(*H1, "--register", "-o", str(tmp_path / "118.md"))
    assert refused.exit_code == 1 and "117-BC/BBT" in refused.stderr
    assert not (tmp_path / "118.md").exists()
    assert bc_numbers(demo) == [*before, "117-BC/BBT"]

    # What changes afterwards changes drafts, never the registered report.
    demo.ok("report", "text", "--kind", "half-year", "--period", "2022-H1", "--section",
            "tasks", "--set", "Nhiệm vụ viết sau khi đăng ký.")
    demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Quyết định sau",
            "--date", "2022-06-10", "--number", "900")
    assert "Nhiệm vụ viết sau khi đăng ký." in demo.ok(*H1).stdout
    first, second = tmp_path / "p1.md", tmp_path / "p2.md"
    demo.ok("report", "print", "117-BC/BBT", "-o", str(first))
    demo.ok("report", "print", "117-BC/BBT", "-o", str(second))
    assert first.read_bytes() == second.read_bytes() == issued.read_bytes()
    for fmt in ("docx", "pdf"):
        path = tmp_path / f"p.{fmt}"
        demo.ok("report", "print", "117-BC/BBT", "-o", str(path))
        assert "117-BC/BBT" in _text_of(path)
    assert demo("report", "print", "116-BC/BBT").exit_code == 1  # not a registered report

    # Withdrawn, the period can be registered again; the old number stays in the register.
    demo.ok("doc", "withdraw", "117-BC/BBT", "--reason", "Sai số liệu")
    shown = demo.json("doc", "show", "117-BC/BBT")
    assert shown["status"] == "withdrawn" and shown["period"] == "2020-10-01"
    assert demo.ok(*H1, "--register").stderr.strip().endswith("118-BC/BBT")
    assert bc_numbers(demo) == [*before, "117-BC/BBT", "118-BC/BBT"]
    actions = [e["action"] for e in demo.json("audit", "list")]
    assert actions.count("report.register") == 2 and "document.withdraw" in actions


def _text_of(path: Path) -> str:
    if path.suffix == ".docx":
        from docx import Document

        document = Document(str(path))
        return "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    import pymupdf

    with pymupdf.open(str(path)) as pdf:
        return " ".join(" ".join(page.get_text() for page in pdf).split())


def test_a_failure_spends_no_number(demo: Bbt, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from domain import output, report_render

    before = bc_numbers(demo)
    folder = demo(*H1, "--register", "-o", str(tmp_path))
    assert folder.exit_code == 1 and "folder" in folder.stderr

    def full_disk(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(output.os, "fsync", full_disk)
        failed = demo(*H1, "--register", "-o", str(tmp_path / "bc.pdf"))
    assert failed.exit_code == 1 and "cannot be written" in failed.stderr
    assert not (tmp_path / "bc.pdf").exists()

    def broken(*_args: object) -> bytes:
        raise RuntimeError("renderer crashed")

    with monkeypatch.context() as patch:
        patch.setattr(report_render, "render", broken)
        assert demo(*H1, "--register", "-o", str(tmp_path / "bc.docx")).exit_code == 1
    assert not (tmp_path / "bc.docx").exists()
    assert bc_numbers(demo) == before
    assert "report.register" not in [e["action"] for e in demo.json("audit", "list")]
    assert demo.ok(*H1, "--register", "-o", str(tmp_path / "bc.md")).stdout.startswith(
        "117-BC/BBT")


def test_withdraw_and_return(bbt: Bbt, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BBT_TODAY", "2022-05-01")
    bbt.ok("unit", "add", "DU-A", "Đảng bộ xã A", "--kind", "grassroots")
    bbt.ok("unit", "add", "DU-B", "Đảng bộ xã B", "--kind", "grassroots")
    first = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Một",
                   "--date", "2022-03-01").stdout.strip()
    second = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Hai",
                    "--date", "2022-03-02").stdout.strip()
    for number in (first, second):
        bbt.ok("doc", "send", number, "--to", "DU-A", "--to", "DU-B", "--due", "2022-03-20")
    totals = bbt.json("stats", "monthly", "--year", "2022", "--month", "3")["totals"]
    assert (totals["docs_issued"], totals["deliveries_overdue"]) == (2, 4)

    clerk = make_user(bbt, "vt.a", "DU-A", "clerk")
    clerk.ok("doc", "return", first, "--unit", "DU-A", "--reason", "Không thuộc thẩm quyền")
    assert clerk("doc", "return", first, "--unit", "DU-B", "--reason", "x").exit_code == 3
    assert bbt("doc", "return", first, "--unit", "DU-B", "--reason", " ").exit_code == 1
    delivery = {d["unit"]: d for d in bbt.json("doc", "show", first)["deliveries"]}
    assert delivery["DU-A"]["status"] == "returned" and not delivery["DU-A"]["overdue"]
    assert delivery["DU-A"]["note"] == "Không thuộc thẩm quyền" and delivery["DU-B"]["overdue"]

    assert clerk("doc", "withdraw", second, "--reason", "Ban hành nhầm").exit_code == 3
    bbt.ok("doc", "withdraw", second, "--reason", "Ban hành nhầm")
    assert bbt("doc", "withdraw", second, "--reason", "lần nữa").exit_code == 1
    listed = {d["number"]: d for d in bbt.json("doc", "list")}
    assert listed[second]["status"] == "withdrawn" and listed[first]["status"] == "issued"
    assert listed[second]["period"] == listed[first]["period"]
    totals = bbt.json("stats", "monthly", "--year", "2022", "--month", "3")["totals"]
    assert (totals["docs_issued"], totals["deliveries_overdue"]) == (1, 1)  # DU-B of the first
    late = {r["unit"]: r for r in bbt.json("doc", "late")}
    assert late["DU-B"]["overdue"] == 1 and "DU-A" not in late
    assert [d["number"] for d in bbt.json("doc", "list", "--overdue")] == [first]
    assert bbt("doc", "send", second, "--to", "DU-A").exit_code == 1
    entries = [e for e in bbt.json("audit", "list")
               if e["action"] in ("document.withdraw", "delivery.return")]
    assert len(entries) == 2


def test_terms_date_order_and_ambiguous_numbers(bbt: Bbt,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BBT_TODAY", "2025-11-01")
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    bbt.ok("unit", "set-term", "HU", "--start", "2020-10-01")

    def issue(day: str, *extra: str) -> str:
        return bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title",
                      f"Quyết định {day}", "--date", day, *extra).stdout.strip()

    assert issue("2022-02-24") == "01-QĐ/HU"
    assert issue("2025-10-01") == "02-QĐ/HU"
    bbt.ok("unit", "set-term", "HU", "--start", "2025-10-15")
    assert issue("2025-10-10") == "03-QĐ/HU"  # still the old term's register
    assert issue("2025-10-20") == "01-QĐ/HU"  # the new term
    backdated = bbt("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Lùi ngày",
                    "--date", "2025-10-18")
    assert backdated.exit_code == 1 and "2025-10-20" in backdated.stderr
    assert issue("2025-10-18", "--number", "7") == "07-QĐ/HU"  # a historical entry
    ahead = bbt("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Tương lai",
                "--date", "2025-12-02")
    assert ahead.exit_code == 1 and "30" in ahead.stderr
    assert issue("2025-12-01") == "08-QĐ/HU"

    for command in (("doc", "show", "01-QĐ/HU"), ("doc", "withdraw", "01-QĐ/HU", "--reason", "x"),
                    ("doc", "send", "01-QĐ/HU", "--to", "BBT"), ("report", "print", "01-QĐ/HU")):
        refused = bbt(*command)
        assert refused.exit_code == 1, command
        assert "2022-02-24" in refused.stderr and "2025-10-20" in refused.stderr
    old = bbt.json("doc", "show", "01-QĐ/HU", "--year", "2022")
    new = bbt.json("doc", "show", "01-QĐ/HU", "--year", "2025")
    assert (old["date"], old["period"]) == ("2022-02-24", "2020-10-01")
    assert (new["date"], new["period"]) == ("2025-10-20", "2025-10-15")
    sealing = {"BBT_KEY_PASSPHRASE": "Cum-tu-bi-mat-cua-Huyen-uy-2025"}
    bbt.ok("key", "create", "--unit", "HU", env=sealing)
    assert bbt("doc", "sign", "01-QĐ/HU", env=sealing).exit_code == 1
    bbt.ok("doc", "sign", "01-QĐ/HU", "--year", "2025", env=sealing)
    assert bbt.json("doc", "show", "01-QĐ/HU", "--year", "2025")["signed"] is True
    assert bbt.json("doc", "show", "01-QĐ/HU", "--year", "2022")["signed"] is False

    bbt.ok("unit", "add", "UBND", "Ủy ban nhân dân huyện", "--kind", "government")
    for day in ("2024-03-01", "2025-03-01"):
        assert bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "UBND", "--title", day,
                      "--date", day).stdout.strip() == "1/QĐ-UBND"
    assert bbt("doc", "show", "1/QĐ-UBND").exit_code == 1
    assert bbt.json("doc", "show", "1/QĐ-UBND", "--year", "2024")["period"] == "2024"


def test_date_counts_only_what_was_dated_by_then(demo: Bbt) -> None:
    article = demo.ok("article", "add", "--title", "Văn bản đăng muộn", "--kind", "document",
                      "--unit", "BBT", "--submitted", "2022-06-20").stdout.split()[-1]
    for step in ("review", "approve"):
        demo.ok("article", step, article)
    demo.ok("article", "publish", article, "--on", "2022-06-20")
    assert "đã đưa lên 200 văn bản các loại" in demo.ok(*H1).stdout
    late = ("report", "half-year", "--year", "2022", "--half", "1", "--date", "2022-06-30")
    assert "đã đưa lên 201 văn bản các loại" in demo.ok(*late).stdout
    assert demo.ok("report", "check", "--year", "2022", "--half", "1", "--date",
                   "2022-06-13").exit_code == 0


def test_output_files_are_private_and_never_overwritten(demo: Bbt, tmp_path: Path) -> None:
    target = tmp_path / "units.csv"
    target.write_text("giữ nguyên", encoding="utf-8")
    for command in (("export", "units", "-o", str(target)),
                    ("stats", "monthly", "--year", "2022", "--csv", str(target)),
                    ("stats", "monthly", "--year", "2022", "--xlsx", str(target))):
        refused = demo(*command)
        assert refused.exit_code == 1 and "already exists" in refused.stderr, command
        assert target.read_text(encoding="utf-8") == "giữ nguyên"
    for command in (("export", "units", "-o", str(tmp_path / "u.csv")),
                    ("stats", "monthly", "--year", "2022", "--csv", str(tmp_path / "s.csv")),
                    ("stats", "monthly", "--year", "2022", "--xlsx", str(tmp_path / "s.xlsx"))):
        demo.ok(*command)
    demo.ok("export", "units", "-o", str(target), "--force")
    for name in ("u.csv", "s.csv", "s.xlsx", "units.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    assert "DU-" in target.read_text(encoding="utf-8-sig")


# --- a process killed, a disk full: in a real child process ---------------------------------

CHILD = """
import resource, signal, sys, time
from pathlib import Path
from domain import report_render
mode, marker, *args = sys.argv[1:]
if mode == "kill":
    def slow(document, fmt):
        Path(marker).write_text("rendering")
        time.sleep(120)
    report_render.render = slow
elif mode == "fsize":  # a disk that takes no more than a few kilobytes per file
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from commands.main import run
sys.argv = ["bbt", *args]
run()
"""


def _child(demo: Bbt, mode: str, marker: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    env = {**os.environ, "BBT_DATABASE_URL": demo.url, "BBT_USER": demo.user or "",
           "BBT_PASSWORD": demo.password or "", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-c", CHILD, mode, str(marker), *args], env=env,
                            cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_killed_while_rendering_spends_no_number(demo: Bbt, tmp_path: Path) -> None:
    import signal
    import time

    marker, target = tmp_path / "marker", tmp_path / "bc.pdf"
    child = _child(demo, "kill", marker, *H1, "--register", "-o", str(target))
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert not target.exists()
    assert "117-BC/BBT" not in bc_numbers(demo)
    assert demo.ok(*H1, "--register").stderr.strip().endswith("117-BC/BBT")


def test_full_disk_spends_no_number(demo: Bbt, tmp_path: Path) -> None:
    if demo.url.startswith("sqlite"):
        pytest.skip("the size limit would stop SQLite's own writes first")
    target = tmp_path / "bc.docx"
    child = _child(demo, "fsize", tmp_path / "unused", *H1, "--register", "-o", str(target))
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 1 and "cannot be written" in err.decode(), err
    assert not target.exists() and not list(tmp_path.glob(".bc.docx*"))
    assert "117-BC/BBT" not in bc_numbers(demo)


def test_two_registrations_at_once_take_one_number(demo: Bbt, tmp_path: Path) -> None:
    # One login first: a child process (no pytest) upgrades the test's cheap password hash,
    # and a login racing that upgrade is refused (auth's business, not the register's).
    assert _child(demo, "plain", tmp_path / "unused", "doc", "list", "--limit", "1").wait(
        timeout=120) == 0
    children = [_child(demo, "plain", tmp_path / "unused", *H1, "--register", "-o",
                       str(tmp_path / f"bc-{i}.md")) for i in range(2)]
    results = [(c.wait(timeout=180), c.communicate()[1].decode()) for c in children]
    assert sorted(code for code, _err in results) == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert "117-BC/BBT" in refused and "Traceback" not in refused
    assert len(list(tmp_path.glob("bc-*.md"))) == 1
    assert [n for n in bc_numbers(demo) if n.startswith(("117", "118"))] == ["117-BC/BBT"]


def test_a_registered_report_changed_in_the_database_is_not_printed(demo: Bbt,
                                                                      tmp_path: Path) -> None:
    """The frozen copy's SHA-256 went into the audit chain when it was registered: a copy
    rewritten in the database (a figure made better) is refused, and no file is written."""
    from sqlalchemy import text

    from domain.db import get_engine, transaction

    demo.ok(*H1, "--register", "-o", str(tmp_path / "117.md"))
    demo.ok("report", "print", "117-BC/BBT", "-o", str(tmp_path / "again.md"))
    with transaction(get_engine(demo.url)) as session:
        content = session.execute(text("SELECT content FROM report_snapshot")).scalar_one()
        session.execute(text("UPDATE report_snapshot SET content = :c"),
                        {"c": content.replace('"issued": ', '"issued": 1', 1)})
    refused = demo("report", "print", "117-BC/BBT", "-o", str(tmp_path / "forged.md"))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.stderr.strip() == (
        "The stored copy of report 117-BC/BBT is not the one registered: its SHA-256 is not "
        "the one the audit chain recorded, so it was changed in the database. Nothing was "
        "printed; run `bbt audit verify`.")
    assert not (tmp_path / "forged.md").exists()
    with transaction(get_engine(demo.url)) as session:  # the copy put back prints again
        session.execute(text("UPDATE report_snapshot SET content = :c"), {"c": content})
    demo.ok("report", "print", "117-BC/BBT", "-o", str(tmp_path / "restored.md"))
    assert (tmp_path / "restored.md").read_bytes() == (tmp_path / "again.md").read_bytes()
