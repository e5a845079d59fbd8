"""Issue 11, scenario by scenario, through the command line on the demo database (SQLite and
PostgreSQL): one number per official act, the same figures on every reprint, no file
overwritten, no number spent by a failure, every ambiguous number refused, and the reference
report's figures (117-BC/BBT, 2022 H1) still coming out of the demo."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import Bbt

H1 = ("report", "half-year", "--year", "2022", "--half", "1", "--date", "2022-06-13")
REFERENCE = ("74 tin và 291 ảnh", "đã đưa lên 200 văn bản các loại", "33 nghìn người (33.000 lượt)",
             "| Tổng cộng | 74 | 0 | 291 | 8 | 200 | 6.000 |", "Đã tạo 70 tài khoản")


class Register:
    """The BBT register as the scenario goes: every act says how many numbers it may spend."""

    def __init__(self, bbt: Bbt) -> None:
        self.bbt = bbt
        self.numbers = self.current()

    def current(self) -> list[str]:
        return sorted(d["number"] for d in self.bbt.json("doc", "list", "--limit", "0"))

    def act(self, *args: str, spends: int = 0, code: int = 0) -> str:
        result = self.bbt(*args)
        assert result.exit_code == code, (args, result.output)
        now = self.current()
        assert len(now) == len(self.numbers) + spends, (args, sorted(set(now) - set(self.numbers)))
        self.numbers = now
        return result.stdout + result.stderr


def test_issue_11_every_scenario(demo: Bbt, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    reg = Register(demo)

    # 1. -o r.docx writes Word and is a draft; reruns and other formats spend nothing.
    for name in ("r.docx", "r.pdf", "r.md"):
        reg.act(*H1, "-o", str(tmp_path / name))
    assert (tmp_path / "r.docx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Số      -BC/BBT" in (tmp_path / "r.md").read_text(encoding="utf-8")
    reg.act(*H1, "--format", "pdf", "-o", str(tmp_path / "x.docx"), code=2)
    # A folder as -o, an existing file: refused before any number is taken.
    reg.act(*H1, "--register", "-o", str(tmp_path), code=1)
    reg.act(*H1, "--register", "-o", str(tmp_path / "r.docx"), code=1)
    # Registered once: 117-BC/BBT, with the reference's figures.
    issued = tmp_path / "117.md"
    assert reg.act(*H1, "--register", "-o", str(issued), spends=1).startswith("117-BC/BBT")
    text = issued.read_text(encoding="utf-8")
    assert "Số 117-BC/BBT" in text and all(figure in text for figure in REFERENCE)
    assert "117-BC/BBT" in reg.act(*H1, "--register", "-o", str(tmp_path / "again.pdf"),
                                   code=1)
    assert not (tmp_path / "again.pdf").exists()

    # 2. Reprints: the same number and figures in every format, whatever changes since.
    late = demo.ok("article", "add", "--title", "Văn bản đăng ngày 20/6", "--kind", "document",
                   "--unit", "BBT", "--submitted", "2022-06-20").stdout.split()[-1]
    for step in ("review", "approve"):
        demo.ok("article", step, late)
    demo.ok("article", "publish", late, "--on", "2022-06-20")
    assert "đã đưa lên 200 văn bản các loại" in demo.ok(*H1).stdout  # --date: by 13/06 only
    for run in (1, 2):
        reprint = tmp_path / f"print-{run}.md"
        reg.act("report", "print", "117-BC/BBT", "-o", str(reprint))
        assert reprint.read_bytes() == issued.read_bytes()
        for fmt in ("docx", "pdf"):
            reg.act("report", "print", "117-BC/BBT", "-o", str(tmp_path / f"print-{run}.{fmt}"))
        time.sleep(1.1)  # a later second: the files carry no clock of their own
    for fmt in ("docx", "pdf"):
        assert (tmp_path / f"print-1.{fmt}").read_bytes() == (
            tmp_path / f"print-2.{fmt}").read_bytes(), fmt
    reg.act("report", "print", "117-BC/BBT", "-o", str(tmp_path / "print-1.md"), code=1)

    # 3. Terms: the old term's register continues; 03-QĐ/HU of 2022 stays reachable.
    monkeypatch.setenv("BBT_TODAY", "2025-11-01")
    reg.act("unit", "set-term", "HU", "--start", "2025-10-15")

    def decision(day: str, spends: int = 1, code: int = 0, *extra: str) -> str:
        return reg.act("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title",
                       f"Quyết định ngày {day}", "--date", day, *extra, spends=spends,
                       code=code).strip()

    assert decision("2025-10-10") == "797-QĐ/HU"  # after 796-QĐ/HU of the 2020 term
    assert [decision(day) for day in ("2025-10-20", "2025-10-21", "2025-10-22")] == [
        "01-QĐ/HU", "02-QĐ/HU", "03-QĐ/HU"]
    for command in (("doc", "show", "03-QĐ/HU"), ("doc", "send", "03-QĐ/HU", "--to", "BBT"),
                    ("doc", "ack", "03-QĐ/HU", "--unit", "DU-LOCAN"),
                    ("doc", "withdraw", "03-QĐ/HU", "--reason", "x"),
                    ("report", "print", "03-QĐ/HU")):
        refused = reg.act(*command, code=1)
        assert "2022-02-24" in refused and "2025-10-22" in refused, command
    cited = demo.json("doc", "show", "03-QĐ/HU", "--year", "2022")
    assert (cited["date"], cited["period"], cited["status"]) == ("2022-02-24", "2020-10-01",
                                                                 "issued")

    # 4. Date order and far-future dates; withdraw; return; no file overwritten.
    decision("2025-10-21", 0, 1)  # earlier than 03-QĐ/HU of 22/10
    decision("2031-01-01", 0, 1)
    assert decision("2025-10-21", 1, 0, "--number", "40") == "40-QĐ/HU"  # historical entry
    monkeypatch.delenv("BBT_TODAY")
    reg.act("doc", "withdraw", "117-BC/BBT", "--reason", "Số liệu sai")
    assert reg.act(*H1, "--register", spends=1).strip().endswith("118-BC/BBT")
    assert "117-BC/BBT" in reg.numbers  # the withdrawn number stays in the register
    pending = [d for d in demo.json("doc", "show", "03-QĐ/HU", "--year", "2022")["deliveries"]
               if d["status"] == "sent"]
    assert pending and all(d["overdue"] for d in pending)  # due 31/03/2022
    unit = pending[0]["unit"]
    reg.act("doc", "return", "03-QĐ/HU", "--year", "2022", "--unit", unit, "--reason",
            "Gửi nhầm đơn vị")
    returned = {d["unit"]: d for d in demo.json("doc", "show", "03-QĐ/HU", "--year", "2022")[
        "deliveries"]}[unit]
    assert returned["status"] == "returned" and not returned["overdue"]
    kept = tmp_path / "kept.csv"
    kept.write_text("không được ghi đè", encoding="utf-8")
    for command in (("export", "units", "-o", str(kept)),
                    ("stats", "monthly", "--year", "2022", "--csv", str(kept)),
                    (*H1, "-o", str(kept.with_suffix(".md")))):
        kept.with_suffix(".md").write_text("không được ghi đè", encoding="utf-8")
        reg.act(*command, code=1)
    assert kept.read_text(encoding="utf-8") == "không được ghi đè"
    assert kept.with_suffix(".md").read_text(encoding="utf-8") == "không được ghi đè"

    # 5. Import JSON says what was written.
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind\nDU-MOI,Đảng bộ mới,grassroots\nDU-X,,poem\n",
                   encoding="utf-8")
    refused = demo("import", "units", str(bad), "--json")
    counts = json.loads(refused.stdout)
    assert refused.exit_code == 1 and len(counts["rejected"]) == 1
    assert (counts["inserted"], counts["updated"], counts["would_insert"]) == (0, 0, 1)
    assert "DU-MOI" not in [u["code"] for u in demo.json("unit", "list")]
