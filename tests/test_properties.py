"""Property-based tests (hypothesis) for the parsers and the state machines.

Document numbers, dates and text keys are checked on generated input: what is written can
be read back, and garbage is refused with a BBTError (one sentence), never another exception.
The article workflow runs as a state machine against a model written from SPEC section 2.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from domain import numbering
from domain.errors import BBTError
from domain.limits import DATE_MAX, DATE_MIN
from domain.text import fold, nfc, parse_date

FAST = settings(max_examples=100, deadline=None)

# ---------------------------------------------------------------- document numbers

doc_types = st.sampled_from(sorted(numbering.DOC_TYPES))
issuers = st.from_regex(r"\A[A-Z0-9Đ&.\-]{1,40}\Z")
sequences = st.integers(min_value=1, max_value=999_999)


@FAST
@given(seq=sequences, doc_type=doc_types, issuer=issuers, party=st.booleans())
def test_number_round_trip(seq: int, doc_type: str, issuer: str, party: bool) -> None:
    written = numbering.format_number(seq, doc_type, issuer, party)
    parsed = numbering.parse(written)
    assert parsed == numbering.Number(seq, doc_type, issuer, party)
    assert str(parsed) == written


@FAST
@given(seq=sequences, doc_type=doc_types, issuer=st.from_regex(r"\A[A-Z][A-Z0-9]{0,10}\Z"),
       party=st.booleans(), spaces=st.sampled_from(["", " ", "  "]), lower=st.booleans())
def test_number_as_typed_by_people(seq: int, doc_type: str, issuer: str, party: bool,
                                   spaces: str, lower: bool) -> None:
    """Spaces around the separators, lower case and a decomposed Đ still name the same
    document ("750 - qđ / hu" is 750-QĐ/HU)."""
    sep1, sep2 = ("-", "/") if party else ("/", "-")
    typed = f"{seq}{spaces}{sep1}{spaces}{doc_type}{spaces}{sep2}{spaces}{issuer}"
    if lower:
        typed = typed.lower()
    typed = unicodedata.normalize("NFD", typed)
    assert numbering.parse(typed) == numbering.Number(seq, doc_type, issuer, party)


@FAST
@given(st.text(max_size=60))
def test_number_parser_refuses_garbage(garbage: str) -> None:
    try:
        parsed = numbering.parse(garbage)
    except BBTError:
        return
    # whatever it accepted has a canonical form that reads back the same
    assert numbering.parse(str(parsed)) == parsed
    assert 1 <= parsed.seq <= 999_999


@FAST
@given(st.text(min_size=1, max_size=8))
def test_document_type_is_known_or_refused(value: str) -> None:
    try:
        canonical = numbering.doc_type(value)
    except BBTError:
        return
    assert canonical in numbering.DOC_TYPES
    assert numbering.doc_type(canonical) == canonical


# ---------------------------------------------------------------- dates

# The range BBT accepts (domain.limits); outside it parse_date refuses, tested below.
days = st.dates(min_value=DATE_MIN, max_value=DATE_MAX)


@FAST
@given(day=days, sep=st.sampled_from("/.-"), pad=st.booleans())
def test_dates_in_both_written_forms(day: date, sep: str, pad: bool) -> None:
    assert parse_date(day.isoformat()) == day
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if pad else (str(day.day), str(day.month))
    assert parse_date(f"{d}{sep}{m}{sep}{day.year:04d}") == day
    assert parse_date(f"  {day.isoformat()} ") == day
    assert parse_date(day) == day


@FAST
@given(st.text(max_size=30))
def test_date_parser_refuses_garbage(garbage: str) -> None:
    try:
        parse_date(garbage, "ngày")
    except BBTError as exc:
        assert "ngày" in str(exc)


@FAST
@given(day=st.integers(1, 40), month=st.integers(1, 15), year=st.integers(1000, 9999))
def test_impossible_days_are_refused(day: int, month: int, year: int) -> None:
    try:
        valid = date(year, month, day)
        if not DATE_MIN <= valid <= DATE_MAX:
            raise ValueError("outside the accepted years")
    except ValueError:
        with pytest.raises(BBTError):
            parse_date(f"{day:02d}/{month:02d}/{year}")
        return
    assert parse_date(f"{day:02d}/{month:02d}/{year}") == valid


# ---------------------------------------------------------------- text keys

VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstu"
              "ùúủũụưừứửữựvxyỳýỷỹỵ")
vietnamese_text = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " -/", max_size=40)


@FAST
@given(st.text(max_size=40))
def test_nfc_is_idempotent_and_composed(value: str) -> None:
    once = nfc(value)
    assert nfc(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert nfc(unicodedata.normalize("NFD", value)) == once


@FAST
@given(st.text(max_size=40))
def test_fold_is_idempotent_and_ignores_normal_form(value: str) -> None:
    folded = fold(value)
    assert fold(folded) == folded
    assert fold(unicodedata.normalize("NFD", value)) == folded
    assert fold(unicodedata.normalize("NFC", value)) == folded
    assert not any(unicodedata.combining(ch) for ch in folded)


@FAST
@given(vietnamese_text)
def test_fold_turns_vietnamese_into_plain_ascii(value: str) -> None:
    """"Nguyễn" typed on any keyboard, in any normal form, searches as "nguyen"."""
    folded = fold(value)
    assert folded.isascii() and folded == folded.lower()
    assert fold(value.upper()) == folded == fold(value.lower())


# ---------------------------------------------------------------- explicit numbers


def test_every_number_issue_accepts_can_be_read_back(bbt) -> None:  # type: ignore[no-untyped-def]
    """An explicit (historical) number that `doc issue` accepts must be one that
    `doc show` can find again; a larger one is refused."""
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine, admin = get_engine(bbt.url), Actor("admin", "admin")

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(number=st.one_of(st.integers(1, 999_999), st.integers(1_000_000, 10**12)))
    def check(number: int) -> None:
        try:
            with transaction(engine) as session:
                issued = documents.issue(session, admin, "CV", "BBT", "Lịch sử", "2021-01-04",
                                         number=number)
        except BBTError:
            return
        with transaction(engine) as session:
            assert documents.get(session, issued.number).id == issued.id

    check()


# ---------------------------------------------------------------- the article workflow

# SPEC section 2: submitted -> editing -> approved -> published, or rejected from any of the
# first three; published and rejected are final. Written here, not read from the domain.
EXPECTED = {
    ("submitted", "review"): "editing",
    ("editing", "approve"): "approved",
    ("approved", "publish"): "published",
    ("submitted", "reject"): "rejected",
    ("editing", "reject"): "rejected",
    ("approved", "reject"): "rejected",
}
SUBMITTED = date(2022, 5, 10)


class ArticleWorkflow(RuleBasedStateMachine):
    url = ""

    def __init__(self) -> None:
        super().__init__()
        from domain.auth import Actor
        from domain.db import get_engine

        self.engine = get_engine(self.url)
        self.editor = Actor("bt.editor", "editor")
        self.model: dict[int, str] = {}

    articles = Bundle("articles")

    @rule(target=articles, kind=st.sampled_from(["news", "feature", "slogan", "document"]),
          photos=st.integers(0, 20))
    def add(self, kind: str, photos: int) -> int:
        from domain import articles
        from domain.db import transaction

        with transaction(self.engine) as session:
            article = articles.add(session, self.editor, "Tin bài", kind, "BBT", photos=photos,
                                   submitted=SUBMITTED)
        assert article.id is not None
        self.model[article.id] = "submitted"
        return article.id

    @rule(article=articles, action=st.sampled_from(["review", "approve", "publish", "reject"]),
          day=st.dates(min_value=date(2022, 5, 1), max_value=date(2022, 6, 30)))
    def move(self, article: int, action: str, day: date) -> None:
        from domain import articles
        from domain.db import transaction

        expected = EXPECTED.get((self.model[article], action))
        if action == "publish" and day < SUBMITTED:
            expected = None  # published before it was submitted: refused
        try:
            with transaction(self.engine) as session:
                moved = articles.move(session, self.editor, article, action,
                                      on=day if action == "publish" else None)
                status, published = moved.status, moved.published
        except BBTError:
            assert expected is None, f"{action} refused from {self.model[article]}"
            return
        assert expected is not None, f"{action} allowed from {self.model[article]}"
        assert status == expected
        if status == "published":
            assert published == day
        self.model[article] = expected

    @invariant()
    def database_matches_the_model(self) -> None:
        if not self.model:
            return
        from sqlmodel import col, select

        from domain.db import transaction
        from models import Article, ArticleEvent

        with transaction(self.engine) as session:
            stored = {a.id: a for a in session.exec(
                select(Article).where(col(Article.id).in_(list(self.model))))}
            events = list(session.exec(select(ArticleEvent).where(
                col(ArticleEvent.article_id).in_(list(self.model))).order_by(
                col(ArticleEvent.id))))
        assert {i: a.status for i, a in stored.items()} == self.model
        trail: dict[int, str] = {}
        for event in events:  # every move is one event, chained from the previous status
            assert event.from_status == trail.get(event.article_id, "")
            trail[event.article_id] = event.to_status
        assert trail == self.model
        for article in stored.values():
            assert (article.published is not None) == (article.status == "published")


def test_article_workflow_state_machine(bbt) -> None:  # type: ignore[no-untyped-def]
    ArticleWorkflow.url = bbt.url
    run_state_machine_as_test(ArticleWorkflow, settings=settings(
        max_examples=25, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture]))
    assert "intact" in bbt.ok("audit", "verify").stdout





# ---------------------------------------------------------------- import rows

# Cells as people type them: text with accents, spaces, formula-like first characters and
# quotes; enumerations in English, Vietnamese or wrong; numbers and dates good and bad.
cell_text = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\u2028\u2029"),
    max_size=12)
texts = st.one_of(cell_text, st.builds(lambda p, t: p + t, st.sampled_from(
    ["=", "+", "-", "@", "'", "'=", " ", "Nguyễn ", "Nguyễn "]), cell_text))



def article_rows(good: bool) -> st.SearchStrategy[dict[str, str]]:
    """Rows with only good values (their text is still anything people type), or with
    anything at all in every cell."""
    states = [("submitted", ""), ("", ""), ("editing", ""), ("approved", ""), ("rejected", ""),
              ("published", "2022-05-03"), ("Published", "03/05/2022"),
              ("published", "2022-05-01")]
    bad_states = [("published", ""), ("bogus", ""), ("submitted", "2022-05-03"),
                  ("published", "2022-04-01"), ("published", "2022-13-01")]
    values = {
        "kind": ["news", "feature", "slogan", "document", " news"],
        "photos": ["", "0", "3", "12", " 4 "],
        "submitted": ["2022-05-01", "01/05/2022", " 2022-05-01 "],
        "url": ["", "https://baolam.vn/tin", "http://x.vn"],
    }
    if not good:
        for name, bad in (("kind", ["x", ""]), ("photos", ["-1", "x", "2.5"]),
                          ("submitted", ["2022-02-30", "soon", ""]),
                          ("url", ["ftp://x", "baolam.vn"])):
            values[name] = values[name] + bad
        states += bad_states
    return st.builds(
        lambda title, author, state, **cells: {"title": title, "author": author,
                                               "status": state[0], "published": state[1],
                                               **cells},
        title=texts if not good else texts.filter(str.strip), author=texts,
        state=st.sampled_from(states), **{k: st.sampled_from(v) for k, v in values.items()})


def test_import_rows_idempotent_all_or_nothing_and_round_trip(bbt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """For any file of article rows: with a bad row nothing is written; good rows go in,
    the same file again changes nothing, and what `export` writes imports as unchanged."""
    import csv
    import itertools

    from sqlalchemy import func
    from sqlmodel import select

    from domain import imports, units
    from domain.auth import Actor
    from domain.db import get_engine, transaction
    from models import Article

    engine, admin = get_engine(bbt.url), Actor("admin", "admin")
    counter = itertools.count()
    columns = ["title", "kind", "unit", "author", "photos", "status", "submitted", "published",
               "url"]

    def articles_count() -> int:
        with transaction(engine) as session:
            return int(session.exec(select(func.count()).select_from(Article)).one())

    def run(path: Path) -> imports.Result:
        with transaction(engine) as session:
            return imports.run_import(session, admin, "articles", path)

    def write(name: str, rows: list[dict[str, str]], unit: str) -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, columns)
            writer.writeheader()
            writer.writerows({**row, "unit": unit} for row in rows)
        return path

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(good=st.lists(article_rows(good=True), min_size=1, max_size=5),
           mixed=st.lists(article_rows(good=False), min_size=1, max_size=3))
    def check(good: list[dict[str, str]], mixed: list[dict[str, str]]) -> None:
        n = next(counter)
        unit = f"P{n}"  # a unit per example: its rows never meet an earlier example's
        with transaction(engine) as session:
            units.add(session, admin, unit, f"Đơn vị {n}", "other")
        for i, row in enumerate(good):
            row["title"] += f" {i}"  # distinct titles: no duplicate keys inside the file
        before = articles_count()
        attempt = run(write(f"mixed-{n}.csv", good + mixed, unit))
        if attempt.rejected:  # one bad row and nothing is written
            assert articles_count() == before
        else:
            assert articles_count() == before + attempt.inserted
        path = write(f"good-{n}.csv", good, unit)
        first = run(path)
        assert first.rejected == [], (good, first.rejected)
        assert first.inserted + first.updated + first.unchanged == len(good)
        again = run(path)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(good))
        exported = tmp_path / f"export-{n}.csv"
        with transaction(engine) as session:
            data = list(imports.export(session, admin, "articles"))
        with exported.open("wb") as target:
            imports.write_export("articles", data, "csv", target)
        back = run(exported)
        assert (back.inserted, back.updated, back.rejected) == (0, 0, []), (good, back)

    check()


@FAST
@given(code=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                    max_size=12) | issuers.map(str.lower), party=st.booleans(),
       seq=sequences, doc_type=doc_types)
def test_every_unit_code_accepted_can_carry_a_number(code: str, party: bool, seq: int,
                                                     doc_type: str) -> None:
    """A unit code is written inside its documents' numbers: whatever `unit add` accepts
    must come back whole from the number parser."""
    from domain import units

    try:
        accepted = units.check_code(code)
    except BBTError:
        return
    parsed = numbering.parse(numbering.format_number(seq, doc_type, accepted, party))
    assert (parsed.issuer, parsed.seq, parsed.doc_type) == (accepted, seq, doc_type)
