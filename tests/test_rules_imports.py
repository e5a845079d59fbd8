"""Imports: reading one row's cells, the all-or-nothing flow, its audit entry, and files larger
than one bulk-insert chunk (5,000 rows) losing no row."""

from __future__ import annotations

import gc
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from domain import imports, imports_base
from domain.auth import SYSTEM
from domain.columns import every_label, labels
from domain.errors import BBTError
from domain.imports_base import Cells, Column, Planned, choice, header_key
from domain.imports_io import MAX_CELL_CHARS, Nested
from domain.units import check_kind
from models import Document, Unit, Visit
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


# ------------------------------------------------------------------ one row's cells


def cells(**values: object) -> Cells:
    return Cells(dict(values), frozenset({"title"}))


def test_a_raw_cell_is_trimmed_and_an_empty_one_is_missing() -> None:
    row = cells(a="  x  ", b="   ", c=None, d=0)
    assert row.raw("a") == "x" and row.raw("d") == 0
    assert row.raw("b") is None and row.raw("c") is None and row.errors == []
    assert row.raw("b", required=True) is None and row.raw("z", required=True) is None
    assert row.errors == ["b: A value is required.", "z: A value is required."]
    assert row.given("a") and row.given("d") and not row.given("b") and not row.given("c")


def test_an_escaped_formula_is_unescaped_in_text_columns_only() -> None:
    row = cells(title="'=SUM(A1)", other="'=SUM(A1)", plain="'abc")
    assert row.raw("title") == "=SUM(A1)"
    assert row.raw("other") == "'=SUM(A1)"
    assert Cells({"title": "'abc"}, frozenset({"title"})).raw("title") == "'abc"


def test_a_cell_holds_at_most_the_limit() -> None:
    row = cells(ok="x" * MAX_CELL_CHARS, long="x" * (MAX_CELL_CHARS + 1), nested=Nested())
    assert row.raw("ok") == "x" * MAX_CELL_CHARS
    assert row.raw("long") is None and row.raw("nested") is None
    assert row.errors == ["long: At most 10,000 characters.",
                          "nested: Write plain text or a number here."]


def test_text_reads_numbers_and_dates_and_keeps_its_limit() -> None:
    row = cells(n=3.0, f=2.5, b=True, d=date(2022, 1, 2), t=datetime(2022, 1, 2, 3, 4),
                i=7, s="abcd", x=object())
    assert [row.text(c) for c in "nfbdti"] == ["3", "2.5", "true", "2022-01-02",
                                                "2022-01-02 03:04:00", "7"]
    assert row.text("s", limit=4) == "abcd" and row.errors == []
    assert row.text("s", limit=3) is None and row.text("x") is None
    assert row.errors == ["s: At most 3 characters.", "x: Write plain text or a number here."]
    assert row.text("missing") is None and row.text("missing", required=True) is None


def test_a_checked_value_is_asked_once_per_distinct_value() -> None:
    asked: list[str] = []

    def checker(value: str) -> str:
        asked.append(value)
        return check_kind(value)

    cache: dict[str, object] = {}
    row = cells(a="grassroots", b="grassroots", c="moon", d="moon")
    assert [row.check(c, checker, cache=cache) for c in "abcd"] == ["grassroots", "grassroots",
                                                                   None, None]
    assert asked == ["grassroots", "moon"]
    unknown = "Unit kind 'moon' is unknown; use one of committee, office, board, grassroots, " \
              "government, other."
    assert row.errors == [f"c: {unknown}", f"d: {unknown}"]
    assert row.check("a", checker) == "grassroots" and len(asked) == 3
    assert row.check("none", checker, required=True) is None
    assert row.errors[-1] == "none: A value is required."


def test_dates_are_read_once_and_bad_ones_named() -> None:
    cache: dict[object, object] = {}
    row = cells(a="2022-03-01", b="01/03/2022", c=date(2022, 3, 1), d="2022-13-01", e=5)
    assert row.date("a", cache=cache) == date(2022, 3, 1)
    assert cache == {"2022-03-01": date(2022, 3, 1)}
    cache["2022-03-01"] = date(1999, 1, 1)  # proves the cache is read
    assert row.date("a", cache=cache) == date(1999, 1, 1)
    assert row.date("b") == date(2022, 3, 1) and row.date("c") == date(2022, 3, 1)
    assert row.date("d") is None and row.date("e") is None
    assert row.errors[0] == "d: d '2022-13-01' is not a date; write YYYY-MM-DD or DD/MM/YYYY."
    assert row.errors[1] == "e: Write a date as YYYY-MM-DD or DD/MM/YYYY."
    assert row.date("none") is None and len(row.errors) == 2
    assert row.date("none", required=True) is None
    assert row.errors[2:] == ["none: A value is required."]


@pytest.mark.parametrize(("value", "number"), [
    (5, 5), (5.0, 5), ("42", 42), (" 1 000 ", 1000), ("1\u00a0000", 1000), ("-3", -3),
    ("+7", 7), (0, 0), ("1000000000", 1_000_000_000),
])
def test_whole_numbers_are_read(value: object, number: int) -> None:
    assert Cells({"n": value}).integer("n", minimum=None) == number


def test_a_whole_number_past_the_count_limit_is_refused() -> None:
    row = Cells({"n": "1000000001"})
    assert row.integer("n", minimum=None) is None
    assert row.errors == ["n: At most 1,000,000,000."]


@pytest.mark.parametrize("value", [5.5, True, "abc", "1.5", "+1234567890123456", "--1", "1e3"])
def test_anything_else_is_not_a_whole_number(value: object) -> None:
    row = Cells({"n": value})
    row.integer("n")
    assert row.errors == [f"n: '{value}' is not a whole number."]


def test_a_minimum_is_a_boundary() -> None:
    row = Cells({"zero": "0", "neg": "-1", "one": 1})
    assert row.integer("zero") == 0 and row.integer("one", minimum=1) == 1
    assert row.integer("neg") is None and row.integer("zero", minimum=1) is None
    assert row.errors == ["neg: Must be at least 0.", "zero: Must be at least 1."]
    assert row.integer("none") is None and len(row.errors) == 2  # optional by default
    assert row.integer("none", required=True) is None
    assert row.errors[-1] == "none: A value is required."


def test_headers_and_choices_ignore_case_accents_and_punctuation() -> None:
    assert header_key("Họ và tên") == header_key("HO_VA_TEN") == header_key("hovaten")
    assert header_key("Mã đơn vị (*)") == "madonvi"
    read = choice({"xa": "grassroots"}, check_kind)
    assert read("Xã") == "grassroots" and read("Grassroots") == "grassroots"
    assert choice({}, lambda v: v)("Very Urgent") == "very_urgent"
    # the code, its own Vietnamese aliases, then the export's labels in both languages
    assert Column("code", ("Mã",)).headers()[:2] == ("code", "Mã")
    assert set(Column("code", ("Mã",)).headers()[2:]) == set(every_label("code"))


def test_the_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with imports_base.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with imports_base.paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_key_index_finds_each_first_row_after_it_grows() -> None:
    """12 bytes a key: past 70 % full it doubles, and every key keeps its first row."""
    index = imports_base.KeyIndex()
    for row in range(1, 2868):  # 4,096 slots hold 2,867 keys (70 %); one more doubles them
        index.setdefault(("boundary", row), row)
    assert index._size == 4096
    index.setdefault(("boundary", 2868), 2868)
    assert index._size == 8192
    index = imports_base.KeyIndex()
    keys = [("Tin", n, date(2022, 1, 1)) for n in range(20_000)]
    assert [index.setdefault(k, row) for row, k in enumerate(keys, start=1)] == list(
        range(1, 20_001))
    assert index._size == 1 << 15 and index._used == 20_000
    assert [index.setdefault(k, 99_999) for k in keys] == list(range(1, 20_001))
    assert index._used == 20_000


def test_a_missing_column_is_named_with_its_vietnamese_header_if_any() -> None:
    assert imports._describe(Column("x")) == "'x'"
    assert imports._describe(Column("x", ("Ích",))) == "'x' (Ích)"


def test_a_dry_run_answers_what_it_would_do(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n2022-02,x\n")
    result = world.run(imports.run_import, SYSTEM, "visits", path, dry_run=True)
    assert result.as_json() == {
        "kind": "visits", "inserted": 0, "updated": 0, "unchanged": 0, "would_insert": 1,
        "would_update": 0, "would_unchanged": 0,
        "rejected": [{"row": 2, "errors": ["visitors: 'x' is not a whole number."]}]}


def test_an_import_reports_its_writes(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "title,kind,unit,submitted\nTin một,news,BBT,2022-03-01\n"
                 "Tin hai,news,BBT,2022-03-02\n")
    steps: list[tuple[str, int, int]] = []
    world.run(imports.run_import, SYSTEM, "articles", path,
              progress=lambda *step: steps.append(step))
    assert steps == ([("write", 2, 2)] if world.url.startswith("sqlite") else [])


def test_a_duplicate_row_names_the_first_one() -> None:
    handler = imports.handler("units")(None, SYSTEM, {})  # type: ignore[arg-type]
    assert handler.duplicate(Planned(5, {}), 2) == "code: row 2 has the same code."


# ------------------------------------------------------------------ the flow


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def visits(world: World) -> dict[str, int]:
    return world.read(lambda s: {v.month: v.visitors for v in s.exec(select(Visit))})


def test_a_good_file_is_written_with_one_audit_entry_and_again_changes_nothing(
        world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "Tháng,Lượt truy cập,Ghi chú\n2022-01,100,x\n02/2022,200,y\n")
    result = world.run(imports.run_import, SYSTEM, "Visits", path)
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (2, 0, 0, [])
    assert result.written and result.ignored_columns == ["Ghi chú"]
    assert visits(world) == {"2022-01": 100, "2022-02": 200}
    entry = world.audit("import")[-1]
    assert (entry.entity, entry.entity_key, entry.actor) == ("visits", "v.csv", "system")
    assert json.loads(entry.detail) == {"sha256": result.sha256, "format": "csv", "inserted": 2,
                                        "updated": 0, "unchanged": 0, "rejected": 0}
    assert result.as_json() == {"kind": "visits", "inserted": 2, "updated": 0, "unchanged": 0,
                                "rejected": []}
    again = world.run(imports.run_import, SYSTEM, "visits", path)
    assert (again.inserted, again.unchanged, again.written) == (0, 2, True)
    assert len(world.audit("import")) == 1  # nothing written, nothing recorded
    changed = write(tmp_path, "v2.csv", "month,visitors\n2022-01,150\n2022-03,300\n")
    update = world.run(imports.run_import, SYSTEM, "visits", changed)
    assert (update.inserted, update.updated, update.unchanged) == (1, 1, 0)
    assert visits(world) == {"2022-01": 150, "2022-02": 200, "2022-03": 300}


def test_one_bad_row_writes_nothing_unless_skipped(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n2022-13,5\n2022-01,7\n")
    result = world.run(imports.run_import, SYSTEM, "visits", path, rejects=tmp_path / "r.csv")
    assert not result.written and result.inserted == 1
    assert [r["row"] for r in result.rejected] == [2, 3]  # rows count from the first data row
    assert result.rejected[1]["errors"] == ["month: row 1 has the same month."]
    assert visits(world) == {} and world.audit("import") == []
    rejects = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == "month,visitors,import_errors" and len(rejects) == 3
    assert rejects[2].startswith("2022-01,7,month: row 1 has the same month.")
    skipped = world.run(imports.run_import, SYSTEM, "visits", path, on_error="skip")
    assert skipped.written and visits(world) == {"2022-01": 100}
    assert json.loads(world.audit("import")[-1].detail)["rejected"] == 2


def test_a_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n")
    result = world.run(imports.run_import, SYSTEM, "visits", path, dry_run=True)
    assert result.inserted == 1 and not result.written
    assert visits(world) == {} and world.audit("import") == []


@pytest.mark.parametrize(("kind", "text", "options", "problem"), [
    ("moon", "a\n1\n", {}, "Kind 'moon' is unknown; use one of units, accounts, trainings, "
                           "documents, deliveries, articles, visits, dataentry."),
    ("visits", "month,visitors\n2022-01,1\n", {"on_error": "ignore"},
     "--on-error is abort or skip."),
    ("visits", "month,Tháng,visitors\n2022-01,2022-01,1\n", {},
     "The columns 'month' and 'Tháng' both mean month; keep one of them."),
    ("visits", "month,note\n2022-01,1\n", {},
     "The file has no column 'visitors' (Lượt truy cập); a visits sheet needs the columns "
     "month, visitors."),
])
def test_files_that_cannot_be_imported(world: World, tmp_path: Path, kind: str, text: str,
                                       options: dict, problem: str) -> None:
    path = write(tmp_path, "f.csv", text)
    with pytest.raises(BBTError) as refused:
        world.run(imports.run_import, SYSTEM, kind, path, **options)
    assert str(refused.value) == problem


def test_a_prepared_file_and_blank_headers(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "month,,visitors\n2022-05,,9\n")
    ready = imports.prepare("visits", path)
    assert ready.mapping == {"month": 0, "visitors": 2} and ready.ignored == []
    assert world.run(imports.run_import, SYSTEM, "visits", ready).inserted == 1
    assert [c.name for c in imports.columns("visits")] == ["month", "visitors"]


def test_credentials_of_accounts_not_committed_are_removed(tmp_path: Path) -> None:
    kept = tmp_path / "c.csv"
    kept.write_text("x")
    imports.discard_credentials(None)
    imports.discard_credentials(tmp_path / "missing.csv")
    imports.discard_credentials(kept)
    assert not kept.exists()


def test_an_export_has_exactly_the_import_columns(world: World, tmp_path: Path) -> None:
    world.run(imports.run_import, SYSTEM, "visits",
              write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n"))
    rows = world.read(lambda s: list(imports.export(s, SYSTEM, "visits")))
    assert rows == [{"month": "2022-01", "visitors": 100}]
    target = tmp_path / "out.csv"
    with target.open("wb") as out:
        imports.write_export("visits", rows, "csv", out)
    # headed in the user's language (domain.columns), which an import reads back
    assert target.read_text(encoding="utf-8-sig").splitlines() == [
        ",".join(labels(["month", "visitors"])), "2022-01,100"]


# ------------------------------------------------------------------ beyond one chunk


def test_more_rows_than_one_bulk_chunk_are_all_inserted_and_updated(world: World,
                                                                    tmp_path: Path) -> None:
    total = imports_base.CHUNK + 1  # a full chunk and one row more
    lines = "".join(f"C{n:05d},Chi bộ {n},grassroots\n" for n in range(total))
    path = write(tmp_path, "units.csv", "code,name,kind\n" + lines)
    steps: list[tuple[str, int, int]] = []
    result = world.run(imports.run_import, SYSTEM, "units", path,
                       progress=lambda *step: steps.append(step))
    assert result.inserted == total
    assert steps == [("check", imports_base.CHUNK, total)]

    def names() -> dict[str, str]:
        return world.read(lambda s: {u.code: u.name for u in s.exec(
            select(Unit).where(Unit.kind == "grassroots", Unit.code.startswith("C")))})  # type: ignore[attr-defined]

    assert names() == {f"C{n:05d}": f"Chi bộ {n}" for n in range(total)}
    renamed = write(tmp_path, "renamed.csv", "code,name,kind\n" + lines.replace("Chi bộ", "Đảng bộ"))
    assert world.run(imports.run_import, SYSTEM, "units", renamed).updated == total
    assert names() == {f"C{n:05d}": f"Đảng bộ {n}" for n in range(total)}


def test_the_bulk_insert_reports_each_chunk_and_keeps_the_last_row_of_each(world: World
                                                                           ) -> None:
    total = imports_base.CHUNK + 1
    rows = [{"month": f"{1900 + n // 12:04d}-{n % 12 + 1:02d}", "visitors": n}
            for n in range(total)]
    steps: list[tuple[str, int, int]] = []
    world.run(lambda s: imports_base.bulk_insert(s, Visit.__table__, rows,  # type: ignore[attr-defined]
                                                 lambda *step: steps.append(step)))
    # SQLite reports after each chunk; PostgreSQL's COPY streams rows and reports each 5,000.
    last = [("write", total, total)] if world.url.startswith("sqlite") else []
    assert steps == [("write", imports_base.CHUNK, total), *last]
    stored = visits(world)
    assert len(stored) == total and stored[rows[-1]["month"]] == total - 1
    assert stored[rows[imports_base.CHUNK - 1]["month"]] == imports_base.CHUNK - 1
    world.run(lambda s: imports_base.bulk_insert(s, Visit.__table__, []))  # type: ignore[attr-defined]
    assert len(visits(world)) == total


def test_deliveries_find_their_documents_and_a_short_row_lacks_its_number(world: World,
                                                                          tmp_path: Path) -> None:
    from domain import documents

    world.run(documents.issue, SYSTEM, "KH", "BBT", "Kế hoạch", "2022-03-01")
    path = write(tmp_path, "d.csv", "unit,number,purpose\nXA1,01-KH/BBT,act\nXA2\n")
    result = world.run(imports.run_import, SYSTEM, "deliveries", path, on_error="skip")
    assert result.inserted == 1
    assert result.rejected == [{"row": 2, "errors": ["number: A value is required."]}]
    shown = world.read(lambda s: documents.show(s, SYSTEM, "01-KH/BBT"))
    assert [(d["unit"], d["purpose"]) for d in shown["deliveries"]] == [("XA1", "act")]


def test_rejects_keep_the_files_format_and_every_reason(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.json", '[{"month": "2022-13", "visitors": -1}]')
    rejects = tmp_path / "r.json"
    result = world.run(imports.run_import, SYSTEM, "visits", path, rejects=rejects)
    assert not result.written
    written = json.loads(rejects.read_text(encoding="utf-8"))
    assert written[0]["month"] == "2022-13" and written[0]["visitors"] == -1
    assert written[0]["import_errors"] == " | ".join(result.rejected[0]["errors"])
    assert len(result.rejected[0]["errors"]) == 2
    nowhere = tmp_path / "missing" / "r.json"
    with pytest.raises(BBTError) as refused:
        world.run(imports.run_import, SYSTEM, "visits", path, rejects=nowhere)
    assert str(refused.value) == (f"The rejects file '{nowhere}' cannot be written: "
                                  "No such file or directory.")


def test_an_xlsx_export_names_its_sheet_after_the_kind(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "v.xlsx"
    with target.open("wb") as out:
        imports.write_export("visits", [{"month": "2022-01", "visitors": 5}], "xlsx", out)
    book = load_workbook(target)
    assert book.sheetnames == ["visits"]
    assert [c.value for c in book["visits"][2]] == ["2022-01", 5]


def test_one_unit_unchanged_then_renamed_and_documents_exported(world: World,
                                                                tmp_path: Path) -> None:
    from domain import documents

    first = write(tmp_path, "u.csv", "code,name,kind\nC1,Chi bộ 1,grassroots\n")
    assert world.run(imports.run_import, SYSTEM, "units", first).inserted == 1
    again = world.run(imports.run_import, SYSTEM, "units", first)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    renamed = write(tmp_path, "u2.csv", "code,name,kind\nC1,Chi bộ Một,grassroots\n")
    assert world.run(imports.run_import, SYSTEM, "units", renamed).updated == 1
    assert world.read(lambda s: s.exec(select(Unit).where(Unit.code == "C1")).one().name) == (
        "Chi bộ Một")
    world.run(documents.issue, SYSTEM, "KH", "BBT", "Kế hoạch", "2022-03-01")
    exported = world.read(lambda s: list(imports.export(s, SYSTEM, "documents")))
    assert [row["number"] for row in exported] == ["01-KH/BBT"]


# ------------------------------------------------------------------ written chunk by chunk


def test_a_bad_last_row_undoes_the_chunks_already_written(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: the rows are written a chunk at a time as they are checked; a bad row after
    them undoes them all (one savepoint), and from it on nothing more is written."""
    from domain.imports_records import Visits

    writes: list[int] = []
    original = Visits.write
    monkeypatch.setattr(Visits, "chunk_rows", 2)
    monkeypatch.setattr(Visits, "write", lambda self, plan, progress: (
        writes.append(len(plan.inserts)), original(self, plan, progress))[1])
    lines = "".join(f"2022-{m:02d},{m}\n" for m in range(1, 6))
    path = write(tmp_path, "v.csv", "month,visitors\n" + lines + "2022-13,9\n")
    result = world.run(imports.run_import, SYSTEM, "visits", path)
    assert writes == [2, 2]  # rows 1-4 went in before row 6 was read; row 5 never did
    assert not result.written and result.inserted == 5
    assert result.rejected == [{"row": 6, "errors": [
        "month: Month '2022-13' must be written YYYY-MM."]}]
    assert visits(world) == {} and world.audit("import") == []
    writes.clear()
    skipped = world.run(imports.run_import, SYSTEM, "visits", path, on_error="skip")
    assert skipped.written and writes == [2, 2, 1] and len(visits(world)) == 5
    writes.clear()
    again = world.run(imports.run_import, SYSTEM, "visits", path, on_error="skip")
    assert (again.inserted, again.unchanged, writes) == (0, 5, [])
    assert len(world.audit("import")) == 1  # the unchanged run recorded nothing


def test_chunks_share_what_looks_beyond_one_row(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One row per chunk: an incoming document without a number still takes one after every
    number the file names (later chunks included), a duplicate incoming number in a later
    chunk is refused, and so is a unit listed twice for one training."""
    from domain.imports_people import Trainings
    from domain.imports_records import Documents

    monkeypatch.setattr(Documents, "chunk_rows", 1)
    monkeypatch.setattr(Trainings, "chunk_rows", 1)
    header = "number,date,title,direction,received_by,received_on,incoming_number\n"
    path = write(tmp_path, "d.csv", header + "5-CV/TU,2022-06-01,Không số,incoming,HU,,\n"
                 "6-CV/TU,2022-06-01,Số bảy,incoming,HU,,7\n"
                 "7-CV/TU,2022-06-02,Không số nữa,incoming,HU,,\n")
    assert world.run(imports.run_import, SYSTEM, "documents", path).inserted == 3

    def numbers() -> dict[str, int | None]:
        from models import Document
        return world.read(lambda s: {d.number: d.incoming_number for d in s.exec(
            select(Document).where(Document.direction == "incoming"))})

    assert numbers() == {"05-CV/TU": 8, "06-CV/TU": 7, "07-CV/TU": 9}
    taken = write(tmp_path, "t.csv", header + "8-CV/TU,2022-06-03,A,incoming,HU,,20\n"
                  "9-CV/TU,2022-06-03,B,incoming,HU,,20\n")
    refused = world.run(imports.run_import, SYSTEM, "documents", taken)
    assert [r["row"] for r in refused.rejected] == [2] and not refused.written
    assert "Incoming number 20 of 2022 is already taken." in refused.rejected[0]["errors"][0]
    twice = write(tmp_path, "tr.csv", "date,topic,unit\n2022-07-01,Tập huấn,BBT\n"
                  "2022-07-01,Tập huấn,\"HU, BBT\"\n")
    trained = world.run(imports.run_import, SYSTEM, "trainings", twice)
    assert [r["row"] for r in trained.rejected] == [2]
    assert trained.rejected[0]["errors"] == ["unit: row 1 already lists BBT for this training."]


def test_accounts_of_many_chunks_share_one_credentials_file(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.imports_people import Accounts

    monkeypatch.setattr(Accounts, "chunk_rows", 1)
    path = write(tmp_path, "a.csv", "username,full_name,unit,role\nan,=Nguyễn An,BBT,editor\n"
                 "binh,Trần Bình,XA1,clerk\n")
    credentials = tmp_path / "pw.csv"
    result = world.run(imports.run_import, SYSTEM, "accounts", path, credentials=credentials)
    assert result.inserted == 2 and result.credentials == credentials
    lines = credentials.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "username,full_name,unit,one_time_password"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == ["an,'=Nguyễn An,BBT",
                                                              "binh,Trần Bình,XA1"]
    assert all(len(line.rsplit(",", 1)[1]) >= 12 for line in lines[1:])
    assert credentials.stat().st_mode & 0o777 == 0o600
    bad = write(tmp_path, "b.csv", "username,unit,role\nchi,BBT,editor\nduc,NOWHERE,clerk\n")
    refused = world.run(imports.run_import, SYSTEM, "accounts", bad,
                        credentials=tmp_path / "pw2.csv")
    assert not refused.written and not (tmp_path / "pw2.csv").exists()


# ------------------------------------------------------------------ who, and in which format


def test_a_scoped_admin_neither_imports_nor_exports(world: World, tmp_path: Path) -> None:
    """Both span every unit's records: an admin limited to one unit's subtree is refused."""
    from domain.auth import Actor, AuthError

    xa1 = world.unit_ids["XA1"]
    scoped = Actor("admin-xa1", "admin", unit_id=xa1, unit_code="XA1", scope_unit_id=xa1,
                   scope_code="XA1", scope=frozenset({xa1}))
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n")
    outside = "Your account is limited to the units under XA1; this lies outside them."
    with pytest.raises(AuthError) as refused:
        world.run(imports.run_import, scoped, "visits", path)
    assert str(refused.value) == outside and visits(world) == {}
    world.run(imports.run_import, SYSTEM, "visits", path)
    with pytest.raises(AuthError) as refused:
        world.read(lambda s: imports.export(s, scoped, "visits"))
    assert str(refused.value) == outside


def test_a_json_export_keeps_the_english_codes(tmp_path: Path) -> None:
    target = tmp_path / "v.json"
    with target.open("wb") as out:
        imports.write_export("visits", [{"month": "2022-01", "visitors": 5}], "json", out)
    assert json.loads(target.read_text(encoding="utf-8")) == [
        {"month": "2022-01", "visitors": 5}]


def test_two_imports_of_one_file_at_once_take_turns(world: World, tmp_path: Path) -> None:
    """The second import waits for the first one's commit and then finds its rows
    unchanged, instead of planning from the rows it saw before and failing on (or, for
    articles, repeating) them. PostgreSQL only: SQLite's writers already take turns at
    BEGIN IMMEDIATE."""
    if not world.url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers before they read")
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n2022-02,200\n")
    first, result = rules_support.one_waits_for_the_other(
        world, lambda s: imports.run_import(s, SYSTEM, "visits", path),
        lambda s: imports.run_import(s, SYSTEM, "visits", path))
    assert (first.inserted, result.inserted, result.unchanged) == (2, 0, 2)
    assert visits(world) == {"2022-01": 100, "2022-02": 200}
    assert len(world.audit("import")) == 1


# ------------------------------------------------------------------ what the flow adds


def test_text_cells_lose_exports_apostrophe_in_spreadsheets_only(world: World,
                                                                  tmp_path: Path) -> None:
    """CSV and XLSX exports escape a formula-like text with an apostrophe, which an import
    of them takes off again; JSON is never escaped, so an apostrophe there is the text's."""
    path = write(tmp_path, "u.csv", "code,name,kind\nC1,'=Chi bộ 1,grassroots\n")
    assert world.run(imports.run_import, SYSTEM, "units", path).inserted == 1
    path = write(tmp_path, "u.json", '[{"code": "C2", "name": "\'=Chi bộ 2", '
                 '"kind": "grassroots"}]')
    assert world.run(imports.run_import, SYSTEM, "units", path).inserted == 1
    names = world.read(lambda s: {u.code: u.name for u in s.exec(
        select(Unit).where(Unit.code.in_(["C1", "C2"])))})  # type: ignore[attr-defined]
    assert names == {"C1": "=Chi bộ 1", "C2": "'=Chi bộ 2"}


def test_new_accounts_need_a_credentials_file(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "username,unit,role\nan,BBT,editor\n")
    with pytest.raises(BBTError) as refused:
        world.run(imports.run_import, SYSTEM, "accounts", path)
    assert str(refused.value) == ("New accounts get one-time passwords: name a new file for "
                                  "them with --credentials FILE.")


def test_an_interrupted_accounts_import_leaves_no_credentials(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C after the first chunk's passwords were written: the transaction is rolled
    back, and the passwords of accounts that do not exist must not stay on disk."""
    from domain.imports_people import Accounts

    monkeypatch.setattr(Accounts, "chunk_rows", 1)
    checked = Accounts.check

    def check_then_interrupt(self: Accounts, cells: Cells) -> object:
        if cells.values["username"] == "binh":
            raise KeyboardInterrupt
        return checked(self, cells)

    monkeypatch.setattr(Accounts, "check", check_then_interrupt)
    path = write(tmp_path, "a.csv", "username,unit,role\nan,BBT,editor\nbinh,XA1,clerk\n")
    credentials = tmp_path / "pw.csv"
    with pytest.raises(KeyboardInterrupt):
        world.run(imports.run_import, SYSTEM, "accounts", path, credentials=credentials)
    assert not credentials.exists()
    assert world.audit("import") == []


def test_an_interrupted_import_stops_with_the_interruption(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.imports_records import Visits

    def interrupt(self: Visits, cells: Cells) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(Visits, "check", interrupt)
    path = write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n")
    with pytest.raises(KeyboardInterrupt):
        world.run(imports.run_import, SYSTEM, "visits", path)
    assert visits(world) == {}


def test_a_register_in_the_nd30_layout_reports_recipients_that_name_no_unit(
        world: World, tmp_path: Path) -> None:
    headers = ["Số, ký hiệu văn bản", "Ngày tháng văn bản",
               "Tên loại và trích yếu nội dung văn bản", "Người ký", "Nơi nhận văn bản"]
    quoted = ",".join(f'"{h}"' for h in headers)
    numbers = ",".join(f"({n})" for n in range(1, len(headers) + 1))  # a printed register's
    path = write(tmp_path, "so-di.csv", quoted + "\n" + numbers + "\n"
                 '750-QĐ/HU,08/02/2022,Quyết định thành lập Ban Biên tập,Nguyễn Văn An,'
                 '"- Sở Nội vụ;\n- Lưu VP."\n')
    result = world.run(imports.run_import, SYSTEM, "documents", path)
    assert result.as_json() == {"kind": "documents", "inserted": 1, "updated": 0,
                                "unchanged": 0, "rejected": [],
                                "unmatched_recipients": ["Sở Nội vụ"]}


def test_articles_of_a_full_log_keep_every_value_and_their_first_rows(world: World,
                                                                      tmp_path: Path) -> None:
    """A log with every column: rows like the ones before them are read the quick way,
    and must come out as the full check reads them, duplicates named by their first row."""
    from models import Article

    header = "title,kind,unit,author,photos,status,submitted,published,url\n"
    row = "{title},news,BBT,An,2,published,2022-03-01,2022-03-02,https://a.vn/{n}\n"
    path = write(tmp_path, "a.csv", header + "".join(
        row.format(title=title, n=n) for n, title in enumerate(
            ["Tin một", "Tin hai", "Tin ba", "Tin hai"], start=1)))
    result = world.run(imports.run_import, SYSTEM, "articles", path, on_error="skip")
    assert result.rejected == [{"row": 4, "errors": [
        "title: row 2 has the same title, unit and submitted date."]}]
    stored = world.read(lambda s: sorted(
        (a.title, a.kind, a.unit_id, a.author, a.photos, a.status, a.submitted, a.published,
         a.url) for a in s.exec(select(Article))))
    bbt = world.unit_ids["BBT"]
    assert stored == [(title, "news", bbt, "An", 2, "published", date(2022, 3, 1),
                       date(2022, 3, 2), f"https://a.vn/{n}")
                      for title, n in (("Tin ba", 3), ("Tin hai", 2), ("Tin một", 1))]


def test_the_same_username_twice_names_its_first_row(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "username,unit,role\nan,BBT,editor\nAn,XA1,clerk\n")
    result = world.run(imports.run_import, SYSTEM, "accounts", path, dry_run=True)
    assert result.rejected == [{"row": 2, "errors": [
        "username: The username 'an' is already in row 1."]}]


def test_a_row_refused_beyond_itself_leaves_the_rest_of_its_chunk(world: World,
                                                                   tmp_path: Path) -> None:
    path = write(tmp_path, "tr.csv", "date,topic,unit\n2022-07-01,Tập huấn,BBT\n"
                 "2022-07-01,Tập huấn,\"HU, BBT\"\n2022-07-02,Bồi dưỡng,XA1\n")
    result = world.run(imports.run_import, SYSTEM, "trainings", path, on_error="skip")
    assert [r["row"] for r in result.rejected] == [2]
    assert (result.inserted, result.written) == (2, True)


def test_a_preview_lists_the_rows_of_each_fate(world: World, tmp_path: Path) -> None:
    """The TUI shows an import's plan row by row before it is run."""
    world.run(imports.run_import, SYSTEM, "visits",
              write(tmp_path, "v.csv", "month,visitors\n2022-01,100\n2022-02,200\n"))
    rows = [(1, ["2022-01", 100]), (2, ["2022-02", 250]), (3, ["2022-03", 300]),
            (4, ["2022-13", 1])]
    plan = world.read(lambda s: imports.handler("visits")(
        s, SYSTEM, {"month": 0, "visitors": 1}).plan(rows, None))
    assert [[p.row for p in getattr(plan, fate)] for fate in (
        "unchanged", "updates", "inserts", "rejected")] == [[1], [2], [3], [4]]
    assert plan.updates[0].values == {"month": "2022-02", "visitors": 250}


def test_checking_reports_progress_every_5000_rows(world: World) -> None:
    def steps(total: int) -> list[tuple[str, int, int]]:
        rows = [(n, [f"{1600 + n // 12:04d}-{n % 12 + 1:02d}", n]) for n in range(1, total + 1)]
        seen: list[tuple[str, int, int]] = []
        world.read(lambda s: imports.handler("visits")(
            s, SYSTEM, {"month": 0, "visitors": 1}).stream(rows, lambda *step: seen.append(step)))
        return seen

    assert steps(imports_base.CHUNK - 1) == []
    assert steps(imports_base.CHUNK) == [("check", imports_base.CHUNK, imports_base.CHUNK)]


def test_an_imported_state_number_takes_one_place_whatever_its_type(world: World,
                                                                   tmp_path: Path) -> None:
    """NĐ 30/2020: one sequence for all of a state body's types, as `doc issue` keeps it:
    a row whose place is held by another number, stored or earlier in the file, is refused;
    a Party body's types keep their own sequences, and a stored number is updated."""
    from domain import documents

    world.run(documents.issue, SYSTEM, "QĐ", "UBND", "Quyết định", "2022-03-01", number=45)
    path = write(tmp_path, "d.csv", "number,date,title\n"
                 "45/TB-UBND,2022-03-02,Thông báo\n"      # 1: the place of 45/QĐ-UBND
                 "46/TB-UBND,2022-03-02,Thông báo\n"      # 2: a free place
                 "46/KH-UBND,2022-03-03,Kế hoạch\n"       # 3: the place row 2 took
                 "45-QĐ/HU,2022-03-02,Quyết định\n"       # 4, 5: a Party body, two types
                 "45-TB/HU,2022-03-02,Thông báo\n"
                 "45/QĐ-UBND,2022-03-01,Quyết định số 45\n")  # 6: the stored one, retitled
    result = world.run(imports.run_import, SYSTEM, "documents", path, on_error="skip")
    assert result.rejected == [
        {"row": 1, "errors": ["number: The place of 45/TB-UBND in its register is already "
                              "registered as 45/QĐ-UBND: a state body numbers every type of "
                              "document in one sequence (Nghị định 30/2020)."]},
        {"row": 3, "errors": ["number: The place of 46/KH-UBND in its register is already "
                              "taken by row 2: a state body numbers every type of document "
                              "in one sequence (Nghị định 30/2020)."]}]
    assert (result.inserted, result.updated) == (3, 1)
    assert world.read(lambda s: sorted(s.exec(select(Document.number).where(
        Document.seq.in_([45, 46]))).all())) == [  # type: ignore[attr-defined]
        "45-QĐ/HU", "45-TB/HU", "45/QĐ-UBND", "46/TB-UBND"]


# ------------------------------------------------------------------ found by mutation, 08:15


def test_a_text_cell_keeps_its_fields_limit_unless_given_another() -> None:
    row = cells(title="x" * 1001, name="y" * 255, other="z" * 5000)
    assert row.text("title") is None and row.text("name") == "y" * 255
    assert row.text("other") == "z" * 5000  # no field limit: the cell's own
    assert row.errors == ["title: At most 1,000 characters."]


def test_every_missing_column_is_named(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", "note\n1\n")
    with pytest.raises(BBTError) as refused:
        world.run(imports.run_import, SYSTEM, "visits", path)
    assert str(refused.value) == (
        "The file has no column 'month' (Tháng), 'visitors' (Lượt truy cập); a visits sheet "
        "needs the columns month, visitors.")


def test_a_register_in_the_nd30_layout_separated_by_semicolons_is_read(
        world: World, tmp_path: Path) -> None:
    """The delimiter is the one that splits the header into known names: the register
    book's own headers count too (split at its commas, "Số" would be a known name)."""
    path = write(tmp_path, "so-di.csv",
                 "Số, ký hiệu văn bản;Ngày tháng văn bản;"
                 "Tên loại và trích yếu nội dung văn bản;Người ký\n"
                 "750-QĐ/HU;08/02/2022;Quyết định thành lập Ban Biên tập;Nguyễn Văn An\n")
    assert world.run(imports.run_import, SYSTEM, "documents", path).inserted == 1
    assert world.read(lambda s: s.exec(select(Document.number)).all()) == ["750-QĐ/HU"]


def test_the_sheet_named_is_imported(world: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Ghi chú"
    book.active.append(["Sổ theo dõi lượt truy cập"])
    counts = book.create_sheet("visits")
    counts.append(["month", "visitors"])
    counts.append(["2022-01", 100])
    path = tmp_path / "v.xlsx"
    book.save(path)
    assert world.run(imports.run_import, SYSTEM, "visits", path, sheet="visits").inserted == 1
    assert visits(world) == {"2022-01": 100}


@pytest.mark.parametrize(("kind", "header", "row"), [
    ("documents", "number,date,title,Ghi chú; nhận xét; ý kiến; khác; thêm",
     "1-CV/TU,2022-06-01,Công văn,x"),
    # the register book's names are known to a documents sheet only
    ("visits", "month,visitors,Người ký;Nơi nhận;Số đến;Ngày đến", "2022-01,100,x"),
])
def test_the_delimiter_splits_the_header_into_the_kinds_own_names(
        world: World, tmp_path: Path, kind: str, header: str, row: str) -> None:
    """Not the one that makes the most cells: a comma file may name a column with
    semicolons in it."""
    path = write(tmp_path, "f.csv", header + "\n" + row + "\n")
    result = world.run(imports.run_import, SYSTEM, kind, path)
    assert (result.inserted, result.rejected) == (1, [])
