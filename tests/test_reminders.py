"""The reminder letter (công văn đôn đốc): who is late with what, the Party layout in three
formats, registration that numbers, keeps and sends it, and the citation of earlier letters."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user


def setup_late(bbt: Bbt) -> None:
    """Three communes: A late on two documents, B late on one, C done; X (another kind) late."""
    for code, name in (("A", "Đảng bộ xã Lộc An"), ("B", "Đảng bộ xã Lộc Bắc"),
                       ("C", "Đảng bộ xã Lộc Châu")):
        bbt.ok("unit", "add", code, name, "--kind", "grassroots")
    bbt.ok("unit", "add", "X", "Phòng Nội vụ", "--kind", "government")
    first = bbt.ok("doc", "issue", "--type", "KH", "--issuer", "BBT", "--title", "Kế hoạch",
                   "--date", "2022-05-02").stdout.strip()
    second = bbt.ok("doc", "issue", "--type", "HD", "--issuer", "BBT", "--title", "Hướng dẫn",
                    "--date", "2022-05-20").stdout.strip()
    bbt.ok("doc", "send", first, "--to", "A", "--to", "B", "--to", "C", "--to", "X",
           "--purpose", "act", "--due", "2022-05-31")
    bbt.ok("doc", "send", second, "--to", "A", "--to", "C", "--purpose", "report", "--due",
           "2022-06-10")
    bbt.ok("doc", "send", second, "--to", "B", "--purpose", "report", "--due", "2022-06-30")
    for number in (first, second):
        bbt.ok("doc", "done", number, "--unit", "C")


def test_json_lists_each_late_unit_with_days_late(bbt: Bbt) -> None:
    setup_late(bbt)
    late = bbt.json("doc", "remind", "--as-of", "2022-06-13", "--kind", "grassroots")
    assert late == [
        {"unit": "A", "documents": [{"number": "01-KH/BBT", "due": "2022-05-31", "days_late": 13},
                                    {"number": "01-HD/BBT", "due": "2022-06-10", "days_late": 3}]},
        {"unit": "B", "documents": [{"number": "01-KH/BBT", "due": "2022-05-31", "days_late": 13}]},
    ]
    everyone = bbt.json("doc", "remind", "--as-of", "2022-06-13")
    assert [u["unit"] for u in everyone] == ["A", "B", "X"]
    vietnamese = bbt.json("doc", "remind", "--as-of", "2022-06-13", "--kind", "Tổ chức cơ sở đảng")
    assert vietnamese == late
    assert bbt.json("doc", "remind", "--as-of", "2022-05-31") == []  # due that day: not late


def test_draft_letter_in_the_party_layout_takes_no_number(bbt: Bbt) -> None:
    setup_late(bbt)
    text = bbt.ok("doc", "remind", "--as-of", "2022-06-13", "--kind", "grassroots").stdout
    for words in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số      -CV/BBT", "ngày 13 tháng 6 năm 2022",
                  "V/v đôn đốc", "Kính gửi: Đảng bộ xã Lộc An; Đảng bộ xã Lộc Bắc.",
                  "| 1 | Đảng bộ xã Lộc An | 01-KH/BBT | 31/05/2022 | 13 |", "| 01-HD/BBT | 10/06/2022 | 3 |",
                  "trước ngày 20/06/2022", "Nơi nhận", "Lưu BBT"):
        assert words in text, words
    assert "Lộc Châu" not in text
    assert bbt.json("doc", "list", "--year", "2022") and all(
        d["type"] != "CV" for d in bbt.json("doc", "list", "--year", "2022"))


@pytest.mark.parametrize("suffix", ["docx", "pdf"])
def test_registered_letter_is_numbered_kept_and_sent(bbt: Bbt, tmp_path: Path,
                                                     suffix: str) -> None:
    setup_late(bbt)
    bbt.ok("settings", "set", "reminder.due_days", "5")
    target = tmp_path / f"nhac.{suffix}"
    out = bbt.ok("doc", "remind", "--as-of", "2022-06-13", "--kind", "grassroots", "-o",
                 str(target), "--register").stdout
    assert out.strip() == "01-CV/BBT"
    content = target.read_bytes()
    text = _text(content, suffix)
    assert "Số 01-CV/BBT" in text and "Đảng bộ xã Lộc Bắc" in text
    shown = bbt.json("doc", "show", "01-CV/BBT")
    assert {(d["unit"], d["purpose"], d["due"]) for d in shown["deliveries"]} == {
        ("A", "report", "2022-06-18"), ("B", "report", "2022-06-18")}
    assert _stored(bbt, "01-CV/BBT") == content  # the register keeps the file as sent


def _stored(bbt: Bbt, number: str) -> bytes | None:
    from domain import documents
    from domain.db import get_engine, transaction

    with transaction(get_engine(bbt.url)) as session:
        return documents.attachment_bytes(session, documents.get(session, number))


def _text(content: bytes, suffix: str) -> str:
    if suffix == "docx":
        from docx import Document

        doc = Document(io.BytesIO(content))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return " ".join(" ".join(parts).split())
    import pymupdf

    return " ".join("".join(page.get_text() for page in pymupdf.open(stream=content)).split())


def test_a_second_reminder_cites_the_first(bbt: Bbt) -> None:
    setup_late(bbt)
    bbt.ok("doc", "remind", "--as-of", "2022-06-13", "--kind", "grassroots", "--register")
    again = bbt.ok("doc", "remind", "--as-of", "2022-06-20", "--kind", "grassroots").stdout
    assert "Tiếp theo Công văn số 01-CV/BBT ngày 13/06/2022" in again
    # each unit's first row names the letter that reminded it before
    assert "| 1 | Đảng bộ xã Lộc An | 01-KH/BBT | 31/05/2022 | 20 | 01-CV/BBT |" in again
    bbt.ok("doc", "remind", "--as-of", "2022-06-20", "--kind", "grassroots", "--register")
    assert [d["number"] for d in bbt.json("doc", "list", "--year", "2022")
            if d["type"] == "CV"] == ["02-CV/BBT", "01-CV/BBT"]


def test_failures_spend_no_number(bbt: Bbt, tmp_path: Path) -> None:
    setup_late(bbt)
    existing = tmp_path / "nhac.pdf"
    existing.write_bytes(b"old")
    refused = bbt("doc", "remind", "--as-of", "2022-06-13", "-o", str(existing), "--register")
    assert refused.exit_code == 1 and "--force" in refused.stderr
    missing = bbt("doc", "remind", "--as-of", "2022-06-13", "-o",
                  str(tmp_path / "no" / "x.pdf"), "--register")
    assert missing.exit_code == 1
    assert bbt("doc", "remind", "--as-of", "2022-06-13", "-o", str(tmp_path / "x.odt"),
               "--register").exit_code == 2
    nobody = bbt("doc", "remind", "--as-of", "2022-05-01", "--register")
    assert nobody.exit_code == 1
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("doc", "remind", "--as-of", "2022-06-13", "--register").exit_code == 3
    assert viewer.json("doc", "remind", "--as-of", "2022-06-13")  # reading is allowed
    clerk = make_user(bbt, "vt.a", "A", "clerk")  # a clerk sees its own unit's only
    assert clerk("doc", "remind", "--as-of", "2022-06-13", "--json").exit_code == 3
    assert not [d for d in bbt.json("doc", "list", "--year", "2022") if d["type"] == "CV"]
    assert existing.read_bytes() == b"old"


def test_inactive_unit_is_not_reminded_and_receives_nothing(bbt: Bbt) -> None:
    setup_late(bbt)
    bbt.ok("unit", "set", "B", "--active", "no")
    assert [u["unit"] for u in bbt.json("doc", "remind", "--as-of", "2022-06-13")] == ["A", "X"]
    refused = bbt("doc", "send", "01-KH/BBT", "--to", "B")
    assert refused.exit_code == 1 and "inactive" in refused.stderr
