"""Full-text search: number, title and the text of attached PDF, DOCX and TXT files,
accents ignored, best matches first, through the index (FTS5 / tsvector + GIN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Bbt
from tests.filekit import docx_bytes, pdf_bytes


def _numbers(bbt: Bbt, words: str) -> list[str]:
    return [r["number"] for r in bbt.json("doc", "list", "--search", words)]


def test_number_title_and_file_text_accent_insensitive(demo: Bbt, tmp_path: Path) -> None:
    report = demo.ok("doc", "issue", "--type", "BC", "--issuer", "HU", "--title",
                     "Báo cáo tổng kết", "--number", "117", "--date", "2022-12-20")
    number = report.stdout.strip()
    assert number.startswith("117-BC/")
    assert _numbers(demo, "117")[0] == number
    pdf = tmp_path / "nq.pdf"
    pdf.write_bytes(pdf_bytes("Đẩy mạnh ứng dụng công nghệ thông tin trong đơn vị",
                              "Phường Lộc Sơn triển khai hạ tầng số"))
    demo.ok("doc", "attach", "12-NQ/TU", str(pdf))
    assert _numbers(demo, "ha tang so") == ["12-NQ/TU"]
    assert _numbers(demo, "HẠ TẦNG SỐ") == ["12-NQ/TU"]
    assert _numbers(demo, "don vi loc son") == ["12-NQ/TU"]  # đ folded to d
    word = tmp_path / "pl.docx"
    word.write_bytes(docx_bytes("Danh sách cộng tác viên xuất sắc"))
    demo.ok("doc", "attach", "14-NQ/TU", str(word))
    assert _numbers(demo, "cong tac vien xuat sac") == ["14-NQ/TU"]
    assert _numbers(demo, "khong co tu nay trong van ban nao") == []
    assert demo.json("doc", "list", "--search", "';DROP TABLE document;--") == []


def test_number_and_title_matches_rank_before_body_mentions(demo: Bbt, tmp_path: Path) -> None:
    mention = tmp_path / "mention.txt"
    mention.write_text("Căn cứ Quyết định 796 và các văn bản liên quan. " * 3)
    demo.ok("doc", "attach", "03-QĐ/HU", str(mention))
    found = _numbers(demo, "796")
    assert found[:2] == ["796-QĐ/HU", "03-QĐ/HU"]


def test_search_uses_the_index(demo: Bbt) -> None:
    from sqlalchemy import text

    from domain.db import get_engine

    engine = get_engine(demo.url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT rowid FROM document_fts "
                "WHERE document_fts MATCH '\"nghi\"'")))
            assert "VIRTUAL TABLE INDEX" in plan
        else:
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: force the choice
            plan = " ".join(r[0] for r in conn.execute(text(
                "EXPLAIN SELECT document_id FROM document_fts "
                "WHERE vector @@ to_tsquery('simple', 'nghi')")))
            assert "document_fts_vector" in plan


def test_the_fallback_fold_matches_the_python_fold() -> None:
    """Where PostgreSQL may not create `unaccent`, translate() over this table folds instead:
    it must fold Vietnamese exactly as domain.text.fold does (the query side)."""
    from domain.text import fold
    from models.search_index import _accented_letters

    source, target = _accented_letters()
    table = str.maketrans(source, target)
    sample = ("Nghị quyết về đẩy mạnh chuyển đổi số; ĐẢNG BỘ HUYỆN Bảo Lâm: Ưu tiên "
              "xây dựng hạ tầng, ổn định, thuỷ lợi, khuyến khích")
    assert sample.translate(table).lower() == fold(sample)


def test_pg_index_uses_unaccent_where_it_can(db_url: str) -> None:
    from sqlalchemy import create_engine

    if not db_url.startswith("postgresql"):
        pytest.skip("the unaccent extension is PostgreSQL's")
    from models.search_index import pg_fold_sql

    engine = create_engine(db_url)
    with engine.begin() as conn:
        folded = pg_fold_sql(conn, "'Đổi mới'")
        assert "unaccent" in folded
        assert conn.exec_driver_sql(f"SELECT {folded}").scalar() == "doi moi"
    engine.dispose()
