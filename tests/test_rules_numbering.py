"""Official numbers: the two written forms, the periods a number belongs to, the counters."""

from __future__ import annotations

from datetime import date

import pytest

from domain import documents, numbering, units
from domain.auth import SYSTEM
from domain.errors import BBTError
from models import Unit
from tests import rules_support
from tests.rules_support import HU_TERM, World

world = rules_support.world


@pytest.mark.parametrize(("written", "canonical"), [
    ("QĐ", "QĐ"), ("qd", "QĐ"), ("Qđ", "QĐ"), ("QDi", "QĐi"), ("bc", "BC"), ("C Tr", "CTr"),
])
def test_a_type_is_read_whatever_its_case_and_stroke(written: str, canonical: str) -> None:
    assert numbering.doc_type(written) == canonical


def test_an_unknown_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(BBTError) as refused:
        numbering.doc_type("XYZ")
    assert str(refused.value) == ("Document type 'XYZ' is unknown; use one of "
                                  + ", ".join(numbering.DOC_TYPES) + ".")


def test_party_numbers_have_two_digits_at_least_state_numbers_none() -> None:
    assert numbering.format_number(5, "BC", "BBT", True) == "05-BC/BBT"
    assert numbering.format_number(117, "BC", "BBT", True) == "117-BC/BBT"
    assert numbering.format_number(5, "QĐ", "UBND", False) == "5/QĐ-UBND"
    assert str(numbering.Number(3, "QĐi", "HU", True)) == "03-QĐi/HU"
    assert str(numbering.Number(156, "QĐ", "UBND", False)) == "156/QĐ-UBND"


@pytest.mark.parametrize(("text", "number"), [
    ("117-BC/BBT", numbering.Number(117, "BC", "BBT", True)),
    (" 03 - qđi / hu ", numbering.Number(3, "QĐi", "HU", True)),
    ("156/QĐ-UBND", numbering.Number(156, "QĐ", "UBND", False)),
    ("1 / qd - ub nd", numbering.Number(1, "QĐ", "UBND", False)),
    ("999999-BC/BBT", numbering.Number(999_999, "BC", "BBT", True)),
    ("45/UBND-VP", numbering.Number(45, "CV", "UBND", False, untyped=True, drafter="VP")),
    (" 7 / ubnd ", numbering.Number(7, "CV", "UBND", False, untyped=True)),
])
def test_every_written_form_is_read(text: str, number: numbering.Number) -> None:
    assert numbering.parse(text) == number


@pytest.mark.parametrize("text", [
    "0-BC/BBT", "0/QĐ-UBND", "1000000-BC/BBT", "BC/BBT", "117-BC", "117-XYZ/BBT", "117-BC/B B?",
    "117-BC/bbt#", "", "117-BC/BBT/x y", "12-3/BBT", "0/UBND-VP", "12/UBND-", "12/-VP",
    "x/UBND", "12/UB ND-VP?",
])
def test_anything_else_is_not_a_number(text: str) -> None:
    with pytest.raises(BBTError) as refused:
        numbering.parse(text)
    if "XYZ" not in text:
        assert str(refused.value) == (
            f"'{text}' is not a document number; write it as 117-BC/BBT (Party bodies), "
            "156/QĐ-UBND (state bodies) or 45/UBND-VP (a state body's công văn).")


def test_an_untyped_cong_van_is_written_as_read() -> None:
    assert str(numbering.parse("45 / ubnd - vp")) == "45/UBND-VP"
    assert str(numbering.parse("7/UBND")) == "7/UBND"


@pytest.mark.parametrize(("day", "term"), [
    (date(2020, 1, 1), date(2020, 1, 1)), (date(2024, 12, 31), date(2020, 1, 1)),
    (date(2025, 1, 1), date(2025, 1, 1)), (date(2019, 12, 31), date(2015, 1, 1)),
    (date(2031, 6, 1), date(2030, 1, 1)),
])
def test_without_a_setting_terms_start_every_five_years(day: date, term: date) -> None:
    assert numbering.default_term_start(day) == term


def test_a_party_document_belongs_to_the_term_it_is_dated_in() -> None:
    committee = Unit(code="HU", name="HU", kind="committee", term_start=HU_TERM)
    assert numbering.period_for(committee, HU_TERM) == "2020-10-01"  # the first day
    assert numbering.period_for(committee, date(2020, 9, 30)) == "2015-10-01"
    assert numbering.period_for(committee, date(2010, 10, 1)) == "2010-10-01"
    assert numbering.period_for(committee, date(2023, 1, 1)) == "2020-10-01"
    plain = Unit(code="XA1", name="XA1", kind="grassroots")
    assert numbering.period_for(plain, date(2022, 3, 1)) == "2020-01-01"
    state = Unit(code="UBND", name="UBND", kind="government", term_start=HU_TERM)
    assert numbering.period_for(state, date(2022, 1, 1)) == "2022"
    assert numbering.period_for(state, date(2021, 12, 31)) == "2021"
    assert numbering.is_party(committee) and not numbering.is_party(state)


def test_each_party_type_counts_from_one_through_the_term(world: World) -> None:
    def issue(doc_type: str, day: str) -> str:
        return world.run(lambda s: documents.issue(s, SYSTEM, doc_type, "HU", "Văn bản",
                                                   day=day).number)

    assert issue("QĐ", "2020-09-30") == "01-QĐ/HU"  # the old term
    assert issue("QĐ", "2020-10-01") == "01-QĐ/HU"  # the term's first day: a new register
    assert issue("QĐ", "2021-01-01") == "02-QĐ/HU"  # a Party term ignores the year
    assert issue("BC", "2021-01-02") == "01-BC/HU"  # each type its own count
    assert issue("QĐ", "2020-09-30") == "02-QĐ/HU"  # the old term's register goes on
    with pytest.raises(BBTError, match="already has a document dated 2020-09-30"):
        issue("QĐ", "2020-09-29")  # main: a register's dates never go backwards


def test_a_state_body_counts_all_types_together_from_each_first_of_january(world: World
                                                                          ) -> None:
    def issue(doc_type: str, day: str) -> str:
        return world.run(lambda s: documents.issue(s, SYSTEM, doc_type, "UBND", "Văn bản",
                                                   day=day).number)

    assert issue("QĐ", "2021-12-31") == "1/QĐ-UBND"
    assert issue("CV", "2021-12-31") == "2/CV-UBND"
    assert issue("QĐ", "2022-01-01") == "1/QĐ-UBND"
    assert issue("TB", "2022-01-01") == "2/TB-UBND"


def test_a_new_term_set_on_a_unit_restarts_its_numbers(world: World) -> None:
    world.run(lambda s: documents.issue(s, SYSTEM, "NQ", "XA1", "Nghị quyết", day="2022-03-01"))
    world.run(units.set_term, SYSTEM, "XA1", "2022-06-01")
    number = world.run(lambda s: documents.issue(s, SYSTEM, "NQ", "XA1", "Nghị quyết",
                                                 day="2022-06-01").number)
    assert number == "01-NQ/XA1"


def test_counters_are_gapless_and_an_explicit_number_moves_them_forward_only(world: World
                                                                            ) -> None:
    unit_id = world.unit_ids["BBT"]

    def next_value(series: str = "BC") -> int:
        return world.run(numbering.next_value, unit_id, "out", series, "2020-01-01")

    assert [next_value(), next_value(), next_value("KH"), next_value()] == [1, 2, 1, 3]
    world.run(numbering.claim_value, unit_id, "out", "BC", "2020-01-01", 10)
    assert next_value() == 11
    world.run(numbering.claim_value, unit_id, "out", "BC", "2020-01-01", 5)
    assert next_value() == 12
    world.run(numbering.claim_value, unit_id, "out", "QĐ", "2020-01-01", 7)
    assert next_value("QĐ") == 8
    assert world.run(numbering.next_value, unit_id, "in", "BC", "2020-01-01") == 1
    assert world.run(numbering.next_value, unit_id, "out", "BC", "2025-01-01") == 1
    assert world.run(numbering.next_value, world.unit_ids["HU"], "out", "BC", "2020-01-01") == 1
    assert next_value() == 13


def test_a_term_start_moved_later_keeps_the_old_terms_register(world: World) -> None:
    """A document dated before the current term continues the register the earlier term
    already has (its own unit's, by the period recorded), never a second 01 for that term."""
    def issue(doc_type: str, unit: str, day: str) -> tuple[str, str]:
        doc = world.run(lambda s: documents.issue(s, SYSTEM, doc_type, unit, "Văn bản",
                                                  day=day))
        return doc.number, doc.period

    assert issue("QĐ", "HU", "2021-03-01") == ("01-QĐ/HU", HU_TERM.isoformat())
    assert issue("CV", "UBND", "2025-01-02") == ("1/CV-UBND", "2025")  # another unit's period
    world.run(units.set_term, SYSTEM, "HU", "2025-10-15")
    assert issue("QĐ", "HU", "2025-10-20") == ("01-QĐ/HU", "2025-10-15")
    assert issue("QĐ", "HU", "2025-10-10") == ("02-QĐ/HU", "2020-10-01")
    # A document dated on the old term's first day belongs to that term's register.
    assert issue("BC", "HU", "2020-10-01") == ("01-BC/HU", "2020-10-01")


def test_a_historical_number_and_the_next_one_take_turns(world: World) -> None:
    """A historical number below the counter still locks the register's counter row, so a
    registration under the next number at the same moment waits and then sees it
    (PostgreSQL; SQLite's writers already take turns at BEGIN IMMEDIATE)."""
    if not world.url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers before they reach the counter")
    unit_id = world.unit_ids["BBT"]
    world.run(numbering.claim_value, unit_id, "out", "BC", "2022", 117)
    _, taken = rules_support.one_waits_for_the_other(
        world, lambda s: numbering.claim_value(s, unit_id, "out", "BC", "2022", 50),
        lambda s: numbering.next_value(s, unit_id, "out", "BC", "2022"))
    assert taken == 118


def test_an_untyped_cong_van_starts_at_one_and_names_a_unit_code() -> None:
    """45/UBND-VP's form: number 1 is a number (0 is not), and the issuer must be a unit
    code even when no drafter follows it."""
    assert numbering.parse("1/UBND-VP") == numbering.Number(1, "CV", "UBND", False,
                                                            untyped=True, drafter="VP")
    assert numbering.parse("1/UBND") == numbering.Number(1, "CV", "UBND", False, untyped=True)
    for text in ("5/ỦY", "5/Ủy-VP"):
        with pytest.raises(BBTError, match="is not a document number"):
            numbering.parse(text)
