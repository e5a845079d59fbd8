"""Data entry into the general information system: statuses, dates, matrix, export-ready."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.conftest import Bbt, make_user

SUB = "Khối Đảng"


def set_(bbt: Bbt, unit: str, period: str, status: str, *extra: str, sub: str = SUB) -> str:
    return bbt.ok("dataentry", "set", "--unit", unit, "--subsystem", sub, "--period", period,
                  "--status", status, *extra).stdout


def rows(bbt: Bbt) -> dict[tuple[str, str], dict]:
    """Every recorded cell, read back through the matrix."""
    found = {}
    for block in bbt.json("dataentry", "matrix")["subsystems"]:
        for line in block["units"]:
            for period, status in line["statuses"].items():
                found[(line["unit"], period)] = status
    return found


def ready(bbt: Bbt) -> dict[str, str | None]:
    return {r["period"]: r["date"] for r in bbt.json("dataentry", "export-ready")}


def test_statuses_and_their_dates(bbt: Bbt) -> None:
    today = date.today().isoformat()
    set_(bbt, "BBT", "2021", "entered", "--on", "01/03/2022")
    assert ready(bbt) == {"2021": "2022-03-01"}
    set_(bbt, "BBT", "2021", "entered")  # again without a date: keeps the day it was entered
    assert ready(bbt) == {"2021": "2022-03-01"}
    early = bbt("dataentry", "set", "--unit", "BBT", "--subsystem", SUB, "--period", "2021",
                "--status", "synced", "--on", "2022-02-01")
    assert early.exit_code == 1 and "before it was entered" in early.stderr
    assert "synced 2022-03-15" in set_(bbt, "BBT", "2021", "synced", "--on", "2022-03-15")
    assert ready(bbt) == {}
    set_(bbt, "BBT", "2022-q1", "synced")  # never entered: entered and synced today
    set_(bbt, "BBT", "2020", "entered")
    assert ready(bbt) == {"2020": today}
    set_(bbt, "BBT", "2020", "missing")
    assert ready(bbt) == {}
    assert rows(bbt) == {("BBT", "2020"): "missing", ("BBT", "2021"): "synced",
                         ("BBT", "2022-Q1"): "synced"}

    from sqlmodel import select

    from domain.db import get_engine, transaction
    from models import DataEntry

    with transaction(get_engine(bbt.url)) as session:
        dates = {e.period: (e.status, e.entered_on, e.synced_on)
                 for e in session.exec(select(DataEntry))}
    assert dates == {"2020": ("missing", None, None),
                     "2021": ("synced", date(2022, 3, 1), date(2022, 3, 15)),
                     "2022-Q1": ("synced", date.today(), date.today())}
    audit = [e for e in bbt.json("audit", "list") if e["action"] == "dataentry.set"]
    assert len(audit) == 5  # the repeated "entered" changed nothing and wrote nothing
    assert audit[0]["key"] == f"BBT/{SUB}/2020"
    assert json.loads(audit[0]["detail"])["previous"] == "entered"


def test_bad_input_is_refused(bbt: Bbt) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    cases = [
        (["--period", "2021-Q5", "--status", "entered"], "2021-Q5"),
        (["--period", "22", "--status", "entered"], "22"),
        (["--period", "2022Q1", "--status", "entered"], "2022Q1"),
        (["--period", "1066", "--status", "entered"], "1066"),
        (["--period", "2021", "--status", "done"], "done"),
        (["--period", "2021", "--status", "missing", "--on", "2022-01-01"], "no date"),
        (["--period", "2021", "--status", "entered", "--on", tomorrow], "future"),
        (["--period", "2021", "--status", "entered", "--on", "2022-02-30"], "not a date"),
    ]
    for extra, fragment in cases:
        result = bbt("dataentry", "set", "--unit", "BBT", "--subsystem", SUB, *extra)
        assert result.exit_code == 1, (extra, result.output)
        assert fragment in result.stderr and "Traceback" not in result.output
    for unit, sub, fragment in (("NOPE", SUB, "NOPE"), ("BBT", "  ", "subsystem")):
        result = bbt("dataentry", "set", "--unit", unit, "--subsystem", sub, "--period", "2021",
                     "--status", "entered")
        assert result.exit_code == 1 and fragment in result.stderr
    assert bbt.json("dataentry", "matrix") == {"periods": [], "subsystems": []}


def test_only_admins_and_operators_write(bbt: Bbt) -> None:
    operator = make_user(bbt, "vanthu", "BBT", "operator")
    set_(operator, "BBT", "2021", "entered", "--on", "2022-01-10")
    for role in ("editor", "clerk", "viewer"):
        user = make_user(bbt, f"u.{role}", "BBT", role)
        refused = user("dataentry", "set", "--unit", "BBT", "--subsystem", SUB, "--period",
                       "2021", "--status", "synced")
        assert refused.exit_code == 3, (role, refused.output)
        assert user.json("dataentry", "export-ready") == [
            {"unit": "BBT", "subsystem": SUB, "period": "2021", "status": "entered",
             "date": "2022-01-10"}]


def test_matrix_shows_who_is_behind(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "VPUB", "Văn phòng HĐND và UBND huyện", "--kind", "government")
    for period in ("2020", "2021", "2022-Q1"):
        set_(bbt, "BBT", period, "entered", "--on", "2022-05-01")
    set_(bbt, "VPUB", "2020", "synced", "--on", "2022-05-01")
    set_(bbt, "VPUB", "2021", "missing")
    set_(bbt, "VPUB", "2021", "entered", "--on", "2022-05-02", sub="UBND huyện")
    data = bbt.json("dataentry", "matrix")
    assert data["periods"] == ["2020", "2021", "2022-Q1"]
    assert [b["subsystem"] for b in data["subsystems"]] == ["Khối Đảng", "UBND huyện"]
    party = data["subsystems"][0]
    assert party["periods"] == ["2020", "2021", "2022-Q1"]
    lines = {line["unit"]: line for line in party["units"]}
    assert set(lines["BBT"]) == {"unit", "name", "statuses", "entered_through", "missing",
                                 "behind"}
    assert lines["BBT"]["behind"] is False and lines["BBT"]["missing"] == []
    assert lines["BBT"]["entered_through"] == "2022-Q1"
    assert lines["VPUB"] == {
        "unit": "VPUB", "name": "Văn phòng HĐND và UBND huyện",
        "statuses": {"2020": "synced", "2021": "missing", "2022-Q1": None},
        "entered_through": "2020", "missing": ["2021", "2022-Q1"], "behind": True}
    assert data["subsystems"][1]["units"][0]["statuses"] == {"2021": "entered"}
    table = bbt.ok("dataentry", "matrix").stdout
    assert "UBND huyện" in table and "✘" in table and "·" in table
    listing = bbt.ok("dataentry", "export-ready").stdout
    assert "2022-Q1" in listing and "VPUB" in listing


def test_demo_matrix_reads_like_the_report(demo: Bbt) -> None:
    data = demo.json("dataentry", "matrix")
    blocks = {b["subsystem"]: {line["unit"]: line for line in b["units"]}
              for b in data["subsystems"]}
    party = blocks["Khối Đảng"]
    assert set(party) == {"VPHU", "BTCHU", "BTGHU", "BDVHU", "UBKTHU"}
    assert all(line["statuses"]["2015"] == "synced" for line in party.values())
    assert {line["entered_through"] for line in party.values()} == {"2021", "2022-Q1"}
    government = blocks["UBND huyện"]["VPUB"]
    assert government["entered_through"] == "2020"  # "2021 chưa cập nhật"
    assert government["missing"] == ["2021", "2022-Q1"]
    assert ("VPUB", "2021") not in {(r["unit"], r["period"])
                                    for r in demo.json("dataentry", "export-ready")}
