"""A document's files: kept by content, typed from their bytes, given back byte for byte,
every view and download in the document's history (SPEC section 7.3)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user
from tests.filekit import docx_bytes, pdf_bytes

PASSPHRASE = {"BBT_KEY_PASSPHRASE": "cum-tu-bi-mat-dai-2022"}


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_main_file_appendices_and_byte_exact_download(demo: Bbt, tmp_path: Path) -> None:
    main = _write(tmp_path, "to-trinh.pdf", pdf_bytes("Tờ trình số 5"))
    number = demo.ok("doc", "issue", "--type", "TB", "--issuer", "HU", "--title", "Thông báo",
                     "--file", str(main)).stdout.strip()
    appendix = _write(tmp_path, "phu-luc.docx", docx_bytes("Phụ lục danh sách"))
    notes = _write(tmp_path, "ghi-chu.txt", "Ghi chú\n".encode())
    demo.ok("doc", "attach", number, str(appendix), str(notes))
    listed = demo.json("doc", "files", number)
    assert [(f["name"], f["role"]) for f in listed] == [
        ("to-trinh.pdf", "main"), ("phu-luc.docx", "appendix"), ("ghi-chu.txt", "appendix")]
    assert [f["type"].rsplit(".", 1)[-1] for f in listed] == [
        "application/pdf", "document", "text/plain"]
    out = tmp_path / "out" / "copy.pdf"
    out.parent.mkdir()
    demo.ok("doc", "file", number, "-o", str(out))
    assert out.read_bytes() == main.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = demo("doc", "file", number, "--name", "phu-luc.docx", "-o", str(out))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert out.read_bytes() == main.read_bytes()  # untouched
    demo.ok("doc", "file", number, "--name", "phu-luc.docx", "-o", str(out), "--force")
    assert out.read_bytes() == appendix.read_bytes()
    missing = demo("doc", "file", number, "--name", "nope.pdf", "-o", str(tmp_path / "n.pdf"))
    assert missing.exit_code == 1 and not (tmp_path / "n.pdf").exists()


def test_unknown_types_are_refused_in_one_sentence(demo: Bbt, tmp_path: Path) -> None:
    binary = _write(tmp_path, "virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00binary")
    result = demo("doc", "issue", "--type", "TB", "--issuer", "HU", "--title", "X",
                  "--file", str(binary))
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "virus.pdf" in result.stderr
    before = demo.json("doc", "list", "--limit", "0")
    refused = demo("doc", "attach", "750-QĐ/HU", str(_write(tmp_path, "ok.txt", b"fine")),
                   str(binary))
    assert refused.exit_code == 1
    assert demo.json("doc", "files", "750-QĐ/HU") == []  # nothing half-attached
    assert len(demo.json("doc", "list", "--limit", "0")) == len(before)


def test_seal_still_covers_the_main_file_after_appendices(demo: Bbt, tmp_path: Path) -> None:
    demo.ok("key", "create", "--unit", "HU", env=PASSPHRASE)
    main = _write(tmp_path, "qd.pdf", pdf_bytes("Quyết định"))
    number = demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Quyết định",
                     "--file", str(main)).stdout.strip()
    demo.ok("doc", "sign", number, env=PASSPHRASE)
    demo.ok("doc", "attach", number, str(_write(tmp_path, "pl.txt", b"phu luc")))
    result = demo.json("doc", "verify", number)
    assert result["valid"] and result["seal"]["present"] and result["legal_signatures"] == []


def test_history_records_views_downloads_actions_and_verifications(demo: Bbt,
                                                                    tmp_path: Path) -> None:
    clerk = make_user(demo, "vt.du-lotan", "DU-LOCTAN", "clerk")
    main = _write(tmp_path, "nq.txt", "Nghị quyết".encode())
    demo.ok("doc", "attach", "14-NQ/TU", str(main))
    clerk.ok("doc", "show", "14-NQ/TU")
    clerk.ok("doc", "file", "14-NQ/TU", "-o", str(tmp_path / "nq-copy.txt"))
    demo("doc", "verify", "14-NQ/TU")
    history = demo.json("doc", "history", "14-NQ/TU")
    acts = [(h["who"], h["action"]) for h in history]
    assert ("admin", "document.attach") in acts
    assert ("vt.du-lotan", "document.view") in acts
    assert ("vt.du-lotan", "document.download") in acts
    assert ("admin", "document.verify") in acts
    assert acts.index(("vt.du-lotan", "document.view")) < acts.index(
        ("vt.du-lotan", "document.download"))
    assert all(h["at"] for h in history)
    assert json.loads(json.dumps(history))  # plain JSON
    assert demo.ok("audit", "verify").exit_code == 0  # the history is part of the chain
    stranger = make_user(demo, "vt.du-locbao", "DU-LOCBAO", "clerk")
    assert stranger("doc", "history", "750-QĐ/HU").exit_code == 1
    assert stranger("doc", "file", "750-QĐ/HU", "-o", str(tmp_path / "x")).exit_code == 1


def test_files_over_the_cap_are_refused(demo: Bbt, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from domain import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    big = _write(tmp_path, "big.txt", b"a" * (2 * 1024 * 1024 + 1))
    result = demo("doc", "attach", "750-QĐ/HU", str(big))
    assert result.exit_code == 1 and "2 MB" in result.stderr
    assert demo.json("doc", "files", "750-QĐ/HU") == []
    fits = _write(tmp_path, "fits.txt", b"a" * (2 * 1024 * 1024))
    demo.ok("doc", "attach", "750-QĐ/HU", str(fits))


def test_a_repeated_number_needs_its_year(bbt: Bbt, tmp_path: Path) -> None:
    bbt.ok("unit", "add", "UBND", "Ủy ban nhân dân huyện", "--kind", "government")
    for year in (2021, 2022):
        bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "UBND", "--title", f"QĐ {year}",
               "--date", f"{year}-05-04", "--number", "12")
    text = _write(tmp_path, "qd.txt", b"Quyet dinh")
    ambiguous = bbt("doc", "attach", "12/QĐ-UBND", str(text))
    assert ambiguous.exit_code == 1 and "--year" in ambiguous.stderr
    bbt.ok("doc", "attach", "12/QĐ-UBND", str(text), "--year", "2021")
    assert [f["name"] for f in bbt.json("doc", "files", "12/QĐ-UBND", "--year", "2021")] == [
        "qd.txt"]
    assert bbt.json("doc", "files", "12/QĐ-UBND", "--year", "2022") == []
    bbt.ok("doc", "file", "12/QĐ-UBND", "--year", "2021", "-o", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == b"Quyet dinh"
    assert bbt("doc", "history", "12/QĐ-UBND").exit_code == 1
    acts = [h["action"] for h in bbt.json("doc", "history", "12/QĐ-UBND", "--year", "2021")]
    assert "document.attach" in acts and "document.download" in acts
    assert acts.count("document.issue") == 1
    other = [h["action"] for h in bbt.json("doc", "history", "12/QĐ-UBND", "--year", "2022")]
    assert other == ["document.issue"]  # not the 2021 one's issue, file and download
    assert bbt("doc", "verify", "12/QĐ-UBND", "--year", "2022").exit_code == 1  # not sealed


def test_a_file_put_in_under_another_address_is_not_the_documents(demo: Bbt,
                                                                   tmp_path: Path) -> None:
    """Stored bytes are checked against their SHA-256, and that SHA-256 against the audit
    entry that gave the document its file: new bytes written into the database under their
    own address, with the file row pointed at them, are refused, and nothing is written."""
    import hashlib

    from sqlalchemy import text

    from domain.db import get_engine, transaction

    demo.ok("doc", "attach", "750-QĐ/HU", str(_write(tmp_path, "qd.txt", b"Quyet dinh 750")))
    demo.ok("doc", "file", "750-QĐ/HU", "--name", "qd.txt", "-o", str(tmp_path / "ok.txt"))
    forged = b"Quyet dinh 750, sua lai"
    digest = hashlib.sha256(forged).hexdigest()
    with transaction(get_engine(demo.url)) as session:
        session.execute(text("INSERT INTO attachment (sha256, data, size) VALUES (:s, :d, :n)"),
                        {"s": digest, "d": forged, "n": len(forged)})
        session.execute(text("UPDATE document_file SET sha256 = :s WHERE name = 'qd.txt'"),
                        {"s": digest})
    refused = demo("doc", "file", "750-QĐ/HU", "--name", "qd.txt", "-o",
                   str(tmp_path / "forged.txt"))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "The stored file 'qd.txt' of 750-QĐ/HU was altered or lost."
    assert not (tmp_path / "forged.txt").exists()
    assert (tmp_path / "ok.txt").read_bytes() == b"Quyet dinh 750"
