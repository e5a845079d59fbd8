"""Legal digital signatures (chữ ký số) in attached PDFs, verified offline with pyHanko
against pinned roots; reports count them, never BBT's own seal (niêm phong)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Bbt
from tests.filekit import make_root, make_signer, pdf_bytes, sign_pdf

PASSPHRASE = {"BBT_KEY_PASSPHRASE": "cum-tu-bi-mat-dai-2022"}


def _receive(bbt: Bbt, tmp_path: Path, number: str, data: bytes) -> None:
    path = tmp_path / f"{number.split('-')[0]}.pdf"
    path.write_bytes(data)
    bbt.ok("doc", "receive", "--number", number, "--from", "TU", "--date", "2022-05-25",
           "--title", "Nghị quyết", "--to", "HU", "--received", "2022-05-27",
           "--file", str(path))


def test_good_edited_unpinned_and_expired_signatures(demo: Bbt, tmp_path: Path) -> None:
    root, stranger = make_root("Root CA for tests"), make_root("Unpinned CA")
    pem = tmp_path / "root.pem"
    pem.write_bytes(root.pem())
    assert demo("trust", "add-root", str(pem)).exit_code == 0
    assert demo("trust", "add-root", str(pem)).exit_code == 1  # pinned once
    body = pdf_bytes("Nghị quyết về chuyển đổi số")
    good = sign_pdf(body, make_signer(root, "Nguyễn Văn An"), root)
    edited = bytearray(good)
    edited[good.find(b"stream") + 12] ^= 0x01  # one bit of the signed content
    cases = {
        "201-NQ/TU": good,
        "202-NQ/TU": bytes(edited),
        "203-NQ/TU": sign_pdf(body, make_signer(stranger, "Người Lạ"), stranger),
        "204-NQ/TU": sign_pdf(body, make_signer(root, "Hết Hạn", expired=True), root),
    }
    for number, data in cases.items():
        _receive(demo, tmp_path, number, data)
    results = {n: demo("doc", "verify", n, "--json") for n in cases}
    import json

    verdicts = {n: json.loads(r.stdout)["legal_signatures"] for n, r in results.items()}
    assert [(s["signer"], s["intact"], s["trusted"]) for s in verdicts["201-NQ/TU"]] == [
        ("Nguyễn Văn An", True, True)]
    assert verdicts["201-NQ/TU"][0]["signed_at"][:4].isdigit()
    assert results["201-NQ/TU"].exit_code == 0
    assert [(s["intact"], s["trusted"]) for s in verdicts["202-NQ/TU"]] == [(False, False)]
    assert [(s["intact"], s["trusted"]) for s in verdicts["203-NQ/TU"]] == [(True, False)]
    assert [(s["intact"], s["trusted"]) for s in verdicts["204-NQ/TU"]] == [(True, False)]
    assert all(results[n].exit_code == 1 for n in ("202-NQ/TU", "203-NQ/TU", "204-NQ/TU"))
    shown = {n: demo.json("doc", "show", n)["legally_signed"] for n in cases}
    assert shown == {"201-NQ/TU": True, "202-NQ/TU": False, "203-NQ/TU": False,
                     "204-NQ/TU": False}
    assert "Traceback" not in "".join(r.output for r in results.values())
    plain = demo.ok("doc", "show", "201-NQ/TU").stdout
    assert "Nguyễn Văn An" in plain and "201.pdf" in plain


def test_pinning_later_and_reverifying_makes_it_trusted(bbt: Bbt, tmp_path: Path) -> None:
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    root = make_root()
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(sign_pdf(pdf_bytes("Thông báo"), make_signer(root, "Trần Thị B"), root))
    number = bbt.ok("doc", "issue", "--type", "TB", "--issuer", "HU", "--title", "Thông báo",
                    "--file", str(signed)).stdout.strip()
    assert bbt.json("doc", "show", number)["legally_signed"] is False  # no root pinned yet
    pem = tmp_path / "root.pem"
    pem.write_bytes(root.pem())
    bbt.ok("trust", "add-root", str(pem))
    assert [r["subject"] for r in bbt.json("trust", "list")] == [root.cert.subject.rfc4514_string()]
    bbt.ok("doc", "verify", number)
    assert bbt.json("doc", "show", number)["legally_signed"] is True
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(make_signer(root, "Not a CA").pem())
    refused = bbt("trust", "add-root", str(leaf))
    assert refused.exit_code == 1 and "authority" in refused.stderr


def test_reports_count_legal_signatures_not_seals(demo: Bbt, tmp_path: Path) -> None:
    from domain import reports
    from domain.db import get_engine, transaction

    def signed_share() -> tuple[int, int]:
        from datetime import date

        from domain.auth import Actor

        with transaction(get_engine(demo.url)) as session:
            data = reports.build(session, Actor("admin", "admin"), reports.period("annual", 2022),
                                 date(2022, 12, 31))
        return data.signed, data.issued

    before = signed_share()
    demo.ok("key", "create", "--unit", "HU", env=PASSPHRASE)
    demo.ok("doc", "sign", "750-QĐ/HU", env=PASSPHRASE)  # a seal is no digital signature
    assert signed_share() == before
    root = make_root()
    pem = tmp_path / "root.pem"
    pem.write_bytes(root.pem())
    demo.ok("trust", "add-root", str(pem))
    pdf = tmp_path / "kh.pdf"
    pdf.write_bytes(sign_pdf(pdf_bytes("Kế hoạch"), make_signer(root, "Bí thư"), root))
    demo.ok("doc", "issue", "--type", "KH", "--issuer", "HU", "--title", "Kế hoạch",
            "--date", "2022-06-01", "--file", str(pdf))
    after = signed_share()
    assert after == (before[0] + 1, before[1] + 1)
