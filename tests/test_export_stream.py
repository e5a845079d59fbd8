"""Issue 13: `bbt export` writes as it reads, on both engines. Documents and deliveries are
read a page at a time by key (no OFFSET), articles through one cursor in batches; with pages
of a few rows an export still holds every record once, in the order of a single query; the
writers hold one row; a failure half-way leaves no file."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from domain import imports, imports_io, imports_records
from domain.auth import SYSTEM
from domain.db import get_engine, transaction
from models import Document
from tests.conftest import Bbt

PAGED = ("documents", "deliveries", "articles")


def _exported(url: str, kind: str) -> tuple[list[dict[str, Any]], int, int]:
    """The export's rows, the most documents the session held at once, and the number of
    statements that read the kind's table."""
    engine = get_engine(url)
    table = {"deliveries": "document", "documents": "document", "articles": "article"}[kind]
    reads = 0

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal reads
        reads += f"FROM {table}" in statement.replace('"', "")

    event.listen(engine, "before_cursor_execute", count)
    rows, held = [], 0
    try:
        with transaction(engine, write=False) as session:
            for row in imports.export(session, SYSTEM, kind):
                rows.append(row)
                held = max(held, sum(isinstance(o, Document)
                                     for o in session.identity_map.values()))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return rows, held, reads


def test_paged_exports_are_whole_and_in_order(demo: Bbt, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.setattr(imports_records, "PAGE", 10**9)
    monkeypatch.setattr(imports_records, "ARTICLE_PAGE", 10**9)
    whole = {kind: _exported(demo.url, kind)[0] for kind in PAGED}
    for size in (2, 3):  # a last page part full, and (9 documents) exactly full
        monkeypatch.setattr(imports_records, "PAGE", size)
        monkeypatch.setattr(imports_records, "ARTICLE_PAGE", size)
        for kind in PAGED:
            rows, held, reads = _exported(demo.url, kind)
            assert len(rows) > 2 * size and rows == whole[kind], kind  # all, once, in order
            if kind != "articles":  # read through one cursor (no index for its order)
                paged = whole["documents"] if kind == "deliveries" else rows
                assert reads >= -(-len(paged) // size), kind  # a page per statement
            assert held <= size, kind  # one page of documents at a time
    days = [date.fromisoformat(r["date"]) for r in whole["documents"]]
    assert days == sorted(days)  # the register's order, oldest first
    shown = [r["published"] or r["submitted"] for r in whole["articles"]]
    assert shown == sorted(shown)


def test_the_command_writes_the_same_file_a_page_at_a_time(
        demo: Bbt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {}
    for page in (10**9, 2):
        monkeypatch.setattr(imports_records, "PAGE", page)
        monkeypatch.setattr(imports_records, "ARTICLE_PAGE", page)
        for fmt in ("csv", "json"):
            path = tmp_path / f"deliveries-{page}.{fmt}"
            written = demo.ok("export", "deliveries", "-o", str(path))
            files[page, fmt] = path.read_bytes()
            assert f"{len(json.loads(path.read_bytes())) if fmt == 'json' else ''}" in \
                written.stderr
    assert files[2, "csv"] == files[10**9, "csv"] and files[2, "json"] == files[10**9, "json"]
    assert demo.ok("export", "articles", "--format", "json").stdout == json.dumps(
        list(_exported(demo.url, "articles")[0]), ensure_ascii=False, indent=2) + "\n"


def test_a_failure_half_way_leaves_no_file(demo: Bbt, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real = imports_records.documents.deliveries_of
    calls = 0

    def fails_on_the_second_page(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(imports_records, "PAGE", 2)
    monkeypatch.setattr(imports_records.documents, "deliveries_of", fails_on_the_second_page)
    folder = tmp_path / "out"
    folder.mkdir()
    failed = demo("export", "deliveries", "-o", str(folder / "deliveries.csv"))
    assert failed.exit_code != 0 and "No space left" in failed.stderr
    assert calls == 2 and list(folder.iterdir()) == []  # neither the file nor a part


def _rows(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"title": f"Bài số {n} về chuyển đổi số", "kind": "news", "unit": "BBT",
               "author": "Nguyễn Văn A", "photos": n % 7, "status": "published",
               "submitted": "2022-01-03", "published": "2022-01-04",
               "url": f"https://example.vn/{n}"}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_writers_hold_one_row_whatever_the_count(fmt: str, tmp_path: Path) -> None:
    def peak(count: int) -> int:
        tracemalloc.start()
        with (tmp_path / f"{count}.{fmt}").open("wb") as target:
            assert imports.write_export("articles", _rows(count), fmt, target) == count
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used

    small, large = peak(1_000), peak(4_000)
    assert large < small * 1.5 + 200_000, (small, large)  # flat, not four times
    # the streamed JSON reads exactly like the one-piece dump
    if fmt == "json":
        with (tmp_path / "j.json").open("wb") as target:
            imports_io.write(_rows(3), ["title", "photos"], set(), "json", target)
        expected = [{"title": r["title"], "photos": r["photos"]} for r in _rows(3)]
        assert (tmp_path / "j.json").read_text() == json.dumps(
            expected, ensure_ascii=False, indent=2) + "\n"
        with (tmp_path / "e.json").open("wb") as target:
            imports_io.write(iter(()), ["title"], set(), "json", target)
        assert (tmp_path / "e.json").read_text() == "[]\n"


def test_an_export_longer_than_a_sheet_is_refused_whole(demo: Bbt, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Excel and LibreOffice open a sheet's first 1,048,576 rows only: an XLSX of two
    million deliveries would have lost half of them unseen. Refused, and no file left."""
    count = len(demo.json("unit", "list"))
    monkeypatch.setattr(imports_io, "XLSX_MAX_ROWS", count)
    fits = demo("export", "units", "-o", str(tmp_path / "fits.xlsx"))
    assert fits.exit_code == 0, fits.output
    monkeypatch.setattr(imports_io, "XLSX_MAX_ROWS", count - 1)
    folder = tmp_path / "out"
    folder.mkdir()
    refused = demo("export", "units", "-o", str(folder / "units.xlsx"))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"at most {count - 1:,} rows" in refused.stderr and "CSV" in refused.stderr
    assert list(folder.iterdir()) == []
    assert demo("export", "units", "-o", str(folder / "units.csv")).exit_code == 0
