"""Status reports at the domain level: who may register one (every role tried), and each
unit's articles against the quota with the silent units, in the figures, the printed words
(Markdown, DOCX, PDF come from the same document) and the registered snapshot."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from domain import articles, report_register, reports, settings
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError
from tests import rules_support
from tests.rules_support import ROLES, World

world = rules_support.world

DAY = date(2022, 12, 31)
H1 = reports.period("half-year", 2022, half=1)


def _sent(session: Session, unit: str, day: str, *, publish: bool = False) -> None:
    item = articles.add(session, SYSTEM, f"Tin của {unit} ngày {day}", "news", unit,
                        submitted=day)
    if publish:
        for action in ("review", "approve"):
            articles.move(session, SYSTEM, item.id, action)
        articles.move(session, SYSTEM, item.id, "publish", on=day)


def _all_actors(world: World) -> list[Actor]:
    actors = [world.actor(r) if r != "clerk" else world.clerk for r in ROLES]
    return [*actors, Actor("ghost", "ghost", world.unit_ids["BBT"], "BBT")]


@pytest.mark.parametrize("through", ["prepare", "register"])
def test_only_admins_and_operators_register_a_report(world: World, through: str) -> None:
    """Registering spends a number of the board's BC register: documents.write. The check
    holds in prepare() and again in register() (a draft prepared by someone allowed)."""
    registered: list[str] = []
    for i, actor in enumerate(_all_actors(world)):
        p = reports.period("monthly", 2022, month=i + 1)
        preparer = actor if through == "prepare" else world.admin

        def register(session: Session, p: reports.Period = p, preparer: Actor = preparer,
                     actor: Actor = actor) -> str:
            draft = report_register.prepare(session, preparer, p, DAY,
                                            registering=through == "prepare")
            return report_register.register(session, actor, draft, "md").number

        before = len(world.audit())
        if actor.role in ("admin", "operator"):
            registered.append(world.run(register))
            assert len(world.audit()) > before
        else:
            with pytest.raises(AuthError):
                world.run(register)
            assert len(world.audit()) == before, f"{actor.role}: refused but written"
    assert registered == ["01-BC/BBT", "02-BC/BBT"]
    assert [e.entity_key for e in world.audit("report.register")] == registered


def _quota_world(world: World, quota: str = "2") -> None:
    def setup(session: Session) -> None:
        settings.set_value(session, SYSTEM, "article_quota", quota)
        for day in ("2022-01-10", "2022-02-10", "2022-03-10", "2022-04-10", "2022-05-10",
                    "2022-06-10", "2022-06-30"):
            _sent(session, "XA1", day)
        for day in ("2022-03-05", "2022-07-01"):  # the second is in the next half
            _sent(session, "UBND", day, publish=True)
        _sent(session, "BBT", "2021-12-31")  # the half before
        _sent(session, "XA3", "2022-03-01")  # an inactive unit is not counted

    world.run(setup)


def test_a_half_year_counts_each_unit_against_six_months_of_quota(world: World) -> None:
    _quota_world(world)
    data = world.run(reports.build, world.admin, H1, DAY).unit_articles
    rows = {r["unit"]: r for r in data["units"]}
    # The province's committee (TU) and the district committee's root are not home units;
    # XA3 is inactive.
    assert list(rows) == ["BBT", "UBND", "XA1", "XA2"]
    assert (data["quota_per_month"], data["quota"]) == (2, 12)
    assert [(r["sent"], r["published"], r["met"], r["silent"]) for r in rows.values()] == [
        (0, 0, False, True), (1, 1, False, False), (7, 0, False, False), (0, 0, False, True)]
    assert data["silent"] == ["BBT", "XA2"]
    assert data["below_quota"] == ["BBT", "UBND", "XA1", "XA2"]
    # A report dated inside the period counts up to its date only.
    early = world.run(reports.build, world.admin, H1, date(2022, 6, 10)).unit_articles
    assert {r["unit"]: r["sent"] for r in early["units"]}["XA1"] == 6


def test_a_monthly_report_counts_one_month_of_quota(world: World) -> None:
    _quota_world(world, quota="1")
    june = reports.period("monthly", 2022, month=6)
    data = world.run(reports.build, world.admin, june, DAY).unit_articles
    assert data["quota"] == 1
    assert [(r["unit"], r["sent"], r["met"]) for r in data["units"]] == [
        ("BBT", 0, False), ("UBND", 0, False), ("XA1", 2, True), ("XA2", 0, False)]
    assert data["silent"] == ["BBT", "UBND", "XA2"]


def _words(world: World, p: reports.Period) -> str:
    draft = world.run(report_register.prepare, world.admin, p, DAY)
    return str(report_register.compose(draft, None).plain_text())


def test_the_report_names_units_below_quota_and_silent_ones(world: World) -> None:
    _quota_world(world)
    text = _words(world, H1)
    assert ("Chỉ tiêu gửi tin, bài: 2 tin, bài mỗi đơn vị mỗi tháng (12 tin, bài trong kỳ); "
            "0/4 đơn vị đạt chỉ tiêu.") in text
    assert ("Đơn vị chưa đạt chỉ tiêu (đã gửi/chỉ tiêu): Ủy ban nhân dân huyện (1/12); "
            "Đảng ủy xã Lộc An (7/12).") in text
    assert ("Đơn vị không gửi tin, bài nào trong kỳ (2/4): Ban Biên tập, "
            "Đảng ủy xã Lộc Bảo.") in text
    assert "Lộc Bắc" not in text  # inactive
    june = _words(world, reports.period("monthly", 2022, month=6))
    assert "1/4 đơn vị đạt chỉ tiêu." in june and "Đảng ủy xã Lộc An (" not in june


def test_no_quota_no_quota_line_and_everyone_sent(world: World) -> None:
    def setup(session: Session) -> None:
        settings.set_value(session, SYSTEM, "article_quota", "0")
        for unit in ("BBT", "UBND", "XA1", "XA2"):
            _sent(session, unit, "2022-02-01")

    world.run(setup)
    text = _words(world, H1)
    assert "Chỉ tiêu" not in text and "chưa đạt" not in text
    assert "Cả 4 đơn vị đều đã gửi tin, bài trong kỳ." in text


def test_the_registered_snapshot_keeps_the_quota_figures(world: World) -> None:
    _quota_world(world)

    def register(session: Session) -> report_register.Registered:
        draft = report_register.prepare(session, world.admin, H1, DAY, registering=True)
        return report_register.register(session, world.admin, draft, "md")

    issued = world.run(register)
    figures = issued.snapshot["figures"]["unit_articles"]
    assert figures["silent"] == ["BBT", "XA2"] and figures["quota"] == 12
    assert [r["sent"] for r in figures["units"]] == [0, 1, 7, 0]
    printed = issued.content.decode()
    assert "Đảng ủy xã Lộc An (7/12)" in printed and "(2/4): Ban Biên tập" in printed
    # New articles afterwards change nothing in the reprint.
    world.run(lambda s: _sent(s, "XA2", "2022-02-02"))
    number, again = world.run(report_register.reprint, world.admin, issued.number, "md")
    assert again == issued.content
    stored = world.run(report_register.snapshot_of, world.admin, issued.number)[1]
    assert stored["figures"]["unit_articles"]["silent"] == ["BBT", "XA2"]


def test_docx_and_pdf_print_the_quota_lines(world: World) -> None:
    import io
    import unicodedata

    import pymupdf
    from docx import Document

    _quota_world(world)
    words = ("Đảng ủy xã Lộc An (7/12)", "trong kỳ (2/4): Ban Biên tập, Đảng ủy xã Lộc Bảo.")
    for fmt in ("docx", "pdf"):
        content = world.run(reports.generate, world.admin, H1, fmt, report_date=DAY).content
        if fmt == "docx":
            text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        else:
            with pymupdf.open(stream=content, filetype="pdf") as pdf:
                text = "".join(page.get_text() for page in pdf)
        text = " ".join(unicodedata.normalize("NFC", text).split())
        assert all(w in text for w in words), fmt
