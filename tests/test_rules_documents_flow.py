"""The register's flow, rule by rule: what `issue` and `receive` refuse and store (closed
registers, date order, the last number, the issuer's register however a number is spelt, the
incoming register, attachments, the actor's scope), `get` by number and year, `send` to units
and kinds, and the year each audit entry holds for a number that repeats."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from domain import documents, history, imports, registers, scope
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError, BBTError, Conflict
from models import Unit
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def refused(world: World, message: str, fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> None:
    with pytest.raises(BBTError) as caught:
        world.run(fn, *args, **kwargs)
    assert str(caught.value) == message


def detail(world: World, action: str) -> list[dict[str, Any]]:
    return [json.loads(e.detail) for e in world.audit(action)]


# ------------------------------------------------------------------ closed registers


def test_a_closed_register_takes_a_historical_entry_only_by_an_admin_reopening_it(
        world: World) -> None:
    world.run(registers.close, SYSTEM, year=2022, unit="HU")
    closed = "The registers of HU for 2022 are closed (khóa sổ); nothing new is entered in them."
    historical = ("The registers of HU for 2022 are closed; an admin may enter a historical "
                  "number with --reopen.")
    refused(world, closed, documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01")
    refused(world, closed, documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01",
            reopen=True)  # a new number: only an explicit, historical one may go in
    refused(world, historical, documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01",
            number=7)
    refused(world, closed, documents.receive, SYSTEM, "3-CV/TU", "TU", "2022-05-01", "Công văn",
            to="HU", received="2022-05-02")
    operator = Actor("op-hu", "operator", world.unit_ids["HU"], "HU")
    for entry in (lambda s: documents.issue(s, operator, "KH", "HU", "Kế hoạch", "2022-05-01",
                                            number=7, reopen=True),
                  lambda s: documents.receive(s, operator, "3-CV/TU", "TU", "2022-05-01",
                                              "Công văn", received="2022-05-02", reopen=True)):
        with pytest.raises(AuthError, match="^Only an admin may enter a document in a closed "
                                            "register.$"):
            world.run(entry)
    assert world.audit("register.reopen") == []
    issued = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01", number=7,
                       reopen=True)
    received = world.run(documents.receive, SYSTEM, "3-CV/TU", "TU", "2022-05-01", "Công văn",
                         to="HU", received="2022-05-02", reopen=True)
    assert (issued.number, received.incoming_number) == ("07-KH/HU", 1)
    assert [e.entity_key for e in world.audit("register.reopen")] == ["HU/2022", "HU/2022"]
    # Another unit's registers of that year, and HU's of the next, stay open.
    assert world.run(documents.issue, SYSTEM, "KH", "TU", "Kế hoạch", "2022-05-01").number == \
        "01-KH/TU"
    assert world.run(documents.receive, operator, "4-CV/TU", "TU", "2022-12-30", "Công văn",
                     received="2023-01-02").incoming_number == 1


# ------------------------------------------------------------------ issuing


def test_what_issuing_stores_by_default_and_how_it_names_a_bad_date(world: World) -> None:
    doc = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01")
    assert (doc.signer, doc.urgency) == ("", "normal")
    refused(world, "date '2022-13-01' is not a date; write YYYY-MM-DD or DD/MM/YYYY.",
            documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-13-01")


def test_a_new_number_follows_the_newest_date_of_its_own_register(world: World) -> None:
    """A state body's register is one series for every type; a Party body's one per type.
    Another unit's register and the documents received from a unit do not count."""
    world.run(documents.receive, SYSTEM, "5/CV-UBND", "UBND", "2022-03-10", "Công văn",
              to="XA1", received="2022-03-11")
    assert world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", "2022-03-05").number \
        == "1/TB-UBND"
    refused(world, "The register of UBND already has a document dated 2022-03-05; a new number "
                   "cannot be dated 2022-03-01 (enter a historical number with --number).",
            documents.issue, SYSTEM, "QĐ", "UBND", "Quyết định", "2022-03-01")
    assert world.run(documents.issue, SYSTEM, "KH", "TU", "Kế hoạch", "2022-03-10").number == \
        "01-KH/TU"
    assert world.run(documents.issue, SYSTEM, "KH", "BBT", "Kế hoạch", "2022-03-01").number == \
        "01-KH/BBT"  # TU's register, of the same term, is not BBT's
    assert world.run(documents.issue, SYSTEM, "BC", "TU", "Báo cáo", "2022-03-01").number == \
        "01-BC/TU"  # a Party body's reports are a register of their own


def test_the_last_number_of_a_register_is_the_six_digit_one(world: World) -> None:
    world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", "2022-01-03", number=999_998)
    assert world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", "2022-01-03").number \
        == "999999/TB-UBND"
    refused(world, "A document number has at most six digits.", documents.issue, SYSTEM, "TB",
            "UBND", "Thông báo", "2022-01-03")


# ------------------------------------------------------------------ receiving


def test_receiving_refuses_without_a_title_and_names_a_bad_day_received(world: World) -> None:
    refused(world, "The title is required.", documents.receive, SYSTEM, "3-CV/TU", "TU",
            "2022-05-01", "  ", to="HU")
    refused(world, "date received '02/13/2022' is not a date; write YYYY-MM-DD or DD/MM/YYYY.",
            documents.receive, SYSTEM, "3-CV/TU", "TU", "2022-05-01", "Công văn", to="HU",
            received="02/13/2022")
    assert world.audit("document.receive") == []


def test_an_attachment_is_stored_and_audited_on_issue_and_on_receipt(world: World,
                                                                    tmp_path: Path) -> None:
    scan = tmp_path / "cong-van.txt"
    scan.write_bytes("Công văn số 3".encode())
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()
    doc = world.run(documents.receive, SYSTEM, "3-CV/TU", "TU", "2022-05-01",
                    "Công văn về tuyên truyền", to="HU", file=scan)
    assert (doc.attachment_sha256, doc.attachment_name) == (sha, "cong-van.txt")
    assert doc.title_search == "cong van ve tuyen truyen"
    assert world.read(lambda s: documents.attachment_bytes(s, doc)) == scan.read_bytes()
    files = world.read(lambda s: documents.show(s, SYSTEM, "3-CV/TU"))["files"]
    assert [(f["name"], f["sha256"]) for f in files] == [("cong-van.txt", sha)]
    issued = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01", file=scan)
    assert issued.attachment_sha256 == sha
    assert [d["attachment"] for d in detail(world, "document.receive")] == [sha]
    assert [d["attachment"] for d in detail(world, "document.issue")] == [sha]


def test_receiving_into_the_actors_own_unit_lies_in_its_scope(world: World) -> None:
    xa1 = world.unit_ids["XA1"]
    own = Actor("op-xa1", "operator", xa1, "XA1", scope_unit_id=xa1, scope_code="XA1",
                scope=frozenset({xa1}))
    assert world.run(documents.receive, own, "3-CV/TU", "TU", "2022-05-01",
                     "Công văn").recipient_id == xa1
    elsewhere = Actor("op-hu", "operator", world.unit_ids["HU"], "HU", scope_unit_id=xa1,
                      scope_code="XA1", scope=frozenset({xa1}))
    with pytest.raises(AuthError, match="^Your account is limited to the units under XA1; "
                                        "this lies outside them.$"):
        world.run(documents.receive, elsewhere, "4-CV/TU", "TU", "2022-05-01", "Công văn")
    assert len(world.audit("document.receive")) == 1


def test_a_number_holds_one_place_in_its_issuers_register_however_spelt(world: World) -> None:
    def receive(number: str, sender: str, day: str = "2022-06-01", to: str = "XA1"
                ) -> documents.Document:
        return world.run(documents.receive, SYSTEM, number, sender, day, "Công văn", to=to)

    def taken(spelt: str) -> str:
        return (f"The place of {spelt} in its register is already registered as 45/UBND-VP: "
                "a state body numbers every type of document in one sequence (Nghị định "
                "30/2020).")

    assert receive("45/UBND-VP", "UBND").incoming_number == 1
    for spelt, message in (("45/CV-UBND", taken("45/CV-UBND")),
                           ("45/UBND-TNMT", taken("45/UBND-TNMT")),
                           ("45/UBND-VP", "45/UBND-VP is already registered (incoming no. 1 "
                                          "of XA1).")):
        refused(world, message, documents.receive, SYSTEM, spelt, "UBND", "2022-06-01",
                "Công văn", to="XA1")
    # The place is held in the register of the unit that received it first.
    refused(world, "45/UBND-VP is already registered (incoming no. 1 of XA1).",
            documents.receive, SYSTEM, "45/UBND-VP", "UBND", "2022-06-01", "Công văn", to="HU")
    refused(world, taken("45/CV-UBND"), documents.receive, SYSTEM, "45/CV-UBND", "UBND",
            "2022-06-01", "Công văn", to="HU")
    assert receive("46/CV-UBND", "UBND").number == "46/CV-UBND"  # the next place
    assert receive("46/CV-UBND", "UBND", day="2021-06-01").period == "2021"  # last year's
    assert receive("12-KH/TU", "TU").number == "12-KH/TU"
    assert receive("12-BC/TU", "TU").number == "12-BC/TU"  # a Party type's own register
    assert receive("12-KH/XA2", "XA2").period == "2020-01-01"  # TU's term too: another register
    world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-06-01")
    refused(world, "01-KH/HU is already registered.", documents.receive,  # issued, not received
            SYSTEM, "1-KH/HU", "HU", "2022-06-01", "Kế hoạch", to="XA1")
    assert len(world.audit("document.receive")) == 6


def test_incoming_numbers_continue_the_recipients_register_of_the_year(
        world: World, tmp_path: Path) -> None:
    """An import that names incoming numbers raises the register the receipts continue."""
    path = tmp_path / "den.csv"
    path.write_text("number,date,title,direction,received_by,received_on,incoming_number\n"
                    "5-CV/TU,2022-06-01,Công văn,incoming,HU,2022-06-02,7\n", encoding="utf-8")
    assert world.run(imports.run_import, SYSTEM, "documents", path).inserted == 1

    def receive(number: str, received: str, to: str = "HU") -> int:
        return world.run(documents.receive, SYSTEM, number, "TU", "2022-06-01", "Công văn",
                         to=to, received=received).incoming_number

    assert receive("6-CV/TU", "2022-06-03") == 8
    assert receive("7-CV/TU", "2022-06-03", to="XA1") == 1  # another unit's register
    assert receive("8-CV/TU", "2023-01-02") == 1  # a new year's


def test_a_document_of_a_party_body_dated_before_its_term_is_in_the_earlier_term(
        world: World) -> None:
    doc = world.run(documents.receive, SYSTEM, "3-CV/HU", "HU", "2020-05-04", "Công văn",
                    to="XA1")  # HU's term began on 2020-10-01
    assert doc.period == "2015-10-01"


# ------------------------------------------------------------------ finding by number


def test_a_year_reaches_from_its_first_to_its_last_day(world: World) -> None:
    world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo cuối năm", "2022-12-31")
    world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo đầu năm", "2021-01-01")
    assert world.read(lambda s: documents.get(s, "1/TB-UBND", 2022)).title == \
        "Thông báo cuối năm"
    assert world.read(lambda s: documents.get(s, "1/TB-UBND", 2021)).title == \
        "Thông báo đầu năm"


def test_a_repeated_number_lists_its_documents_oldest_first(world: World) -> None:
    long_title = "Thông báo kết luận của Thường trực về công tác tuyên truyền năm"
    world.run(documents.issue, SYSTEM, "TB", "UBND", long_title, "2022-05-01")
    world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", "2021-05-01")
    with pytest.raises(BBTError) as caught:
        world.read(lambda s: documents.get(s, "1/TB-UBND"))
    assert str(caught.value) == (
        "1/TB-UBND names 2 documents: 1/TB-UBND 2021-05-01 (Thông báo); "
        f"1/TB-UBND 2022-05-01 ({long_title[:40]}); add --year to say which.")


def test_a_number_repeated_more_than_twenty_times_is_counted_whole(world: World) -> None:
    """One number a year for 21 years: all are counted, the 20 oldest listed."""
    def issue(session: Session) -> None:
        for year in range(2001, 2022):
            documents.issue(session, SYSTEM, "TB", "UBND", "Thông báo", f"{year}-05-01")

    world.run(issue)
    with pytest.raises(BBTError) as caught:
        world.read(lambda s: documents.get(s, "1/TB-UBND"))
    message = str(caught.value)
    assert message.startswith("1/TB-UBND names 21 documents: 1/TB-UBND 2001-05-01 (Thông báo)")
    assert message.count("1/TB-UBND 20") == 20 and "2021-05-01" not in message


# ------------------------------------------------------------------ sending


def test_sending_to_units_and_to_a_kind_within_the_senders_scope(world: World) -> None:
    number = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01").number
    assert world.run(documents.send, SYSTEM, number, to=["UBND"],
                     to_kind="grassroots").sent == ["UBND", "XA1", "XA2"]

    def scoped_to_hu(session: Session) -> Actor:
        session.get(Unit, world.unit_ids["XA1"]).parent_id = world.unit_ids["HU"]  # type: ignore[union-attr]
        session.flush()
        return scope.with_scope(session, Actor("admin-hu", "admin", world.unit_ids["HU"], "HU",
                                               scope_unit_id=world.unit_ids["HU"],
                                               scope_code="HU"))

    district = world.run(scoped_to_hu)
    own = world.run(documents.issue, district, "TB", "HU", "Thông báo", "2022-05-02").number
    assert world.run(documents.send, district, own, to_kind="grassroots").sent == ["XA1"]


def test_a_stale_version_is_refused_in_one_sentence(world: World) -> None:
    number = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-05-01").number
    world.run(documents.send, SYSTEM, number, to=["XA1"])
    with pytest.raises(Conflict) as caught:
        world.run(documents.acknowledge, SYSTEM, number, "XA1", expected_version=2)
    assert str(caught.value) == "Someone else changed this delivery first; reload and try again."


def test_the_history_of_a_repeated_number_keeps_each_years_sends_receipts_and_views(
        world: World) -> None:
    for day in ("2021-05-01", "2022-05-01"):
        world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", day)
        year = int(day[:4])
        world.run(documents.send, SYSTEM, "1/TB-UBND", to=["XA1"], year=year)
        world.run(documents.acknowledge, SYSTEM, "1/TB-UBND", "XA1", year=year)
        world.run(documents.show, SYSTEM, "1/TB-UBND", year)
    for year in (2021, 2022):
        def read(session: Session, year: int = year) -> list[dict[str, Any]]:
            return history.of_document(session, SYSTEM, "1/TB-UBND", year)

        seen = world.read(read)
        assert [e["action"] for e in seen] == ["document.issue", "document.send", "delivery.ack",
                                               "document.view"]
        assert {e["detail"]["year"] for e in seen} == {year}


# ------------------------------------------------------------------ a place already held


def test_an_explicit_number_a_receipt_holds_is_refused_naming_its_recipient(world: World
                                                                          ) -> None:
    world.run(documents.receive, SYSTEM, "5-KH/HU", "HU", "2022-06-01", "Kế hoạch", to="XA1")
    refused(world, "05-KH/HU is already registered (incoming no. 1 of XA1).",
            documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-06-01", number=5)
