"""Security on both engines: who may do what, lockout, secrets that never leak, private
files, seals that break on any change, and hostile input.

The role matrix below is written from SPEC section 1, not read from domain.auth, so that a
wrong entry in PERMISSIONS makes a test fail. Every command of the CLI must appear in it (or
in one of the lists of commands that change nothing), so a new command cannot slip past.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ADMIN_PASSWORD, Bbt

ROLES = ("admin", "operator", "editor", "clerk", "viewer")
ADMIN = frozenset({"admin"})
DOCUMENTS = frozenset({"admin", "operator"})
DELIVERIES = frozenset({"admin", "operator", "clerk"})  # a clerk for its own unit only
ARTICLES = frozenset({"admin", "editor"})
REPORT_TEXTS = frozenset({"admin", "operator", "editor"})
EVERYONE = frozenset(ROLES)

PASSPHRASE = "cum-tu-bi-mat-cua-ban-bien-tap"
ROLE_PASSWORD = "Mat-khau-vai-tro-2022"


class Runner(Bbt):
    """`bbt` exactly as conftest runs it, except that the command tree is built once per
    process: Typer rebuilds it on every invoke, which costs more than most commands."""

    _command: Any = None

    @classmethod
    def of(cls, other: Bbt) -> Runner:
        runner = cls(other.url)
        runner.user, runner.password = other.user, other.password
        return runner

    def as_(self, user: str, password: str) -> Runner:
        clone = Runner(self.url)
        clone.user, clone.password = user, password
        return clone

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> Any:
        import typer.testing
        from typer.main import get_command

        from commands.main import app

        if Runner._command is None:
            Runner._command = get_command(app)
        build = typer.testing._get_command
        typer.testing._get_command = lambda _app: Runner._command  # type: ignore[assignment]
        try:
            return super().__call__(*args, input=input, env=env)
        finally:
            typer.testing._get_command = build


@pytest.fixture
def cli(bbt: Bbt) -> Runner:
    """conftest's `bbt` (both engines, acting as admin), with the faster runner."""
    return Runner.of(bbt)


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    allowed: frozenset[str]
    input: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def case(*args: str, allowed: frozenset[str], input: str | None = None,
         env: dict[str, str] | None = None) -> Case:
    return Case(args, allowed, input, env or {})


KEY_ENV = {"BBT_KEY_PASSPHRASE": PASSPHRASE}

# Every command that changes something, in the order the matrix runs them. {r} is the acting
# role; {doc}, {art_*}, {target} are records prepared for that role; {i} is its index 1..5.
STATE_CHANGING: dict[str, Case] = {
    "unit add": case("unit", "add", "U-{r}", "Đơn vị {r}", "--kind", "other", allowed=ADMIN),
    "unit set-term": case("unit", "set-term", "DV", "--start", "2020-0{i}-01", allowed=ADMIN),
    "account add": case("account", "add", "new-{r}", "--unit", "DV", "--role", "viewer",
                        allowed=ADMIN),
    "account lock": case("account", "lock", "{target}", allowed=ADMIN),
    "account unlock": case("account", "unlock", "{target}", allowed=ADMIN),
    "account reset-password": case("account", "reset-password", "{target}", allowed=ADMIN),
    "training add": case("training", "add", "--date", "2022-03-0{i}", "--topic", "Tập huấn {r}",
                         "--unit", "DV", allowed=ADMIN),
    "settings set": case("settings", "set", "place", "Bảo Lâm {r}", allowed=ADMIN),
    "key create": case("key", "create", "--unit", "BBT", allowed=ADMIN, env=KEY_ENV),
    "doc issue": case("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "CV {r}",
                      allowed=DOCUMENTS),
    "doc receive": case("doc", "receive", "--number", "{i}0-CV/TU", "--from", "TU", "--date",
                        "2022-06-01", "--title", "Đến {r}", "--to", "BBT", allowed=DOCUMENTS),
    "doc sign": case("doc", "sign", "{doc}", allowed=DOCUMENTS, env=KEY_ENV),
    "doc send": case("doc", "send", "{doc}", "--to", "DV2", allowed=DOCUMENTS),
    "doc ack": case("doc", "ack", "{doc}", "--unit", "DV", allowed=DELIVERIES),
    "doc done": case("doc", "done", "{doc}", "--unit", "DV", allowed=DELIVERIES),
    "doc forward": case("doc", "forward", "{doc}", "--from", "DV", "--to", "DV3",
                        allowed=DELIVERIES),
    # DV3's copy, forwarded just now: a DV clerk may not act for DV3
    "doc return": case("doc", "return", "{doc}", "--unit", "DV3", "--reason", "Trả {r}",
                       allowed=DOCUMENTS),
    "doc withdraw": case("doc", "withdraw", "{doc}", "--reason", "Thu hồi {r}",
                         allowed=DOCUMENTS),
    "doc attach": case("doc", "attach", "{doc}", "{tmp}/units-{r}.csv", allowed=DOCUMENTS),
    "trust add-root": case("trust", "add-root", "{tmp}/root.pem", allowed=ADMIN),
    "key revoke": case("key", "revoke", "--unit", "TU", allowed=ADMIN),
    "article add": case("article", "add", "--title", "Tin {r}", "--kind", "news", "--unit", "DV",
                        allowed=ARTICLES),
    "article review": case("article", "review", "{art_review}", allowed=ARTICLES),
    "article approve": case("article", "approve", "{art_approve}", allowed=ARTICLES),
    "article reject": case("article", "reject", "{art_reject}", allowed=ARTICLES),
    "article publish": case("article", "publish", "{art_publish}", allowed=ARTICLES),
    "visits set": case("visits", "set", "2022-0{i}", "1000", allowed=ARTICLES),
    "dataentry set": case("dataentry", "set", "--unit", "DV", "--subsystem", "Khối Đảng",
                          "--period", "2021", "--status", "entered", allowed=DOCUMENTS),
    "unit set": case("unit", "set", "DV4", "--name", "Đơn vị {r}", allowed=ADMIN),
    "account set": case("account", "set", "{target}", "--name", "Tên {r}", allowed=ADMIN),
    "account set#scope": case("account", "set", "{target}", "--scope", "DV", allowed=ADMIN),
    "account add#scope": case("account", "add", "sc-{r}", "--unit", "DV", "--role", "admin",
                              "--scope", "DV", allowed=ADMIN),
    "dataentry subsystem add": case("dataentry", "subsystem", "add", "Phân hệ {r}",
                                    allowed=DOCUMENTS),
    "article edit": case("article", "edit", "{art_review}", "--author", "Tác giả {r}",
                         allowed=ARTICLES),
    "article sync-feed": case("article", "sync-feed", "{tmp}/feed-{r}.csv", "--unit", "DV",
                              allowed=ARTICLES),
    "royalty rate set": case("royalty", "rate", "set", "news", "{i}000", "--from", "2022-01",
                             allowed=ADMIN),
    "royalty approve": case("royalty", "approve", "--month", "2022-0{i}", allowed=ADMIN),
    "royalty paid": case("royalty", "paid", "--month", "2022-0{i}", allowed=ADMIN),
    # one row per kind of import: each kind has its own permission
    "import#units": case("import", "units", "{tmp}/units-{r}.csv", allowed=ADMIN),
    "import#accounts": case("import", "accounts", "{tmp}/accounts-{r}.csv", "--credentials",
                            "{tmp}/credentials-{r}.csv", allowed=ADMIN),
    "import#trainings": case("import", "trainings", "{tmp}/trainings-{r}.csv", allowed=ADMIN),
    "import#documents": case("import", "documents", "{tmp}/documents-{r}.csv",
                             allowed=DOCUMENTS),
    "import#deliveries": case("import", "deliveries", "{tmp}/deliveries-{r}.csv",
                              allowed=DOCUMENTS),
    "import#articles": case("import", "articles", "{tmp}/articles-{r}.csv", allowed=ARTICLES),
    "import#visits": case("import", "visits", "{tmp}/visits-{r}.csv", allowed=ARTICLES),
    "import#dataentry": case("import", "dataentry", "{tmp}/dataentry-{r}.csv",
                             allowed=DOCUMENTS),
    "report text": case("report", "text", "--kind", "monthly", "--period", "2022-0{i}",
                        "--section", "assessment", "--set", "Nhận xét của {r}",
                        allowed=REPORT_TEXTS),
    # --register takes a number of the issuing body's BC register
    "report monthly": case("report", "monthly", "--year", "2022", "--month", "{i}",
                           "--register", "-o", "{tmp}/report-{r}.md", allowed=DOCUMENTS),
    # a year of its own per role: closing the same year twice is refused
    "register close": case("register", "close", "--year", "201{i}", allowed=DOCUMENTS),
    "db backup": case("db", "backup", "{tmp}/backup-{r}.db", allowed=ADMIN),
    "db copy": case("db", "copy", "--to", "sqlite:///{tmp}/copy-{r}.db", allowed=ADMIN),
    "db restore": case("db", "restore", "{tmp}/backup-admin.db", allowed=ADMIN),
    # last: it changes the password every later command would log in with
    "passwd": case("passwd", "--password-stdin", allowed=EVERYONE,
                   input="Mat-khau-moi-{r}-2022\n"),
}

# Commands that only read; every role may run them (a clerk sees its own unit's part).
READING: dict[str, Case] = {
    "unit list": case("unit", "list", "--json", allowed=EVERYONE),
    "account list": case("account", "list", "--json", allowed=EVERYONE),
    "training list": case("training", "list", "--json", allowed=EVERYONE),
    "audit list": case("audit", "list", "--json", allowed=frozenset({"admin", "viewer"})),
    "audit verify": case("audit", "verify", allowed=EVERYONE),
    "settings list": case("settings", "list", "--json", allowed=EVERYONE),
    "doc verify": case("doc", "verify", "{signed}", allowed=EVERYONE),
    "doc list": case("doc", "list", "--json", allowed=EVERYONE),
    "doc show": case("doc", "show", "{signed}", "--json", allowed=EVERYONE),
    "doc late": case("doc", "late", "--json", allowed=EVERYONE),
    "doc files": case("doc", "files", "{signed}", "--json", allowed=EVERYONE),
    "doc file": case("doc", "file", "{signed}", "-o", "{tmp}/copy-{r}.txt", allowed=EVERYONE),
    "doc history": case("doc", "history", "{signed}", "--json", allowed=EVERYONE),
    "trust list": case("trust", "list", "--json", allowed=EVERYONE),
    "doc inbox": case("doc", "inbox", "--unit", "DV", "--json", allowed=EVERYONE),
    "key list": case("key", "list", "--json", allowed=EVERYONE),
    "key export-trust": case("key", "export-trust", "-o", "{tmp}/trust-{r}.json",
                             allowed=EVERYONE),
    "audit anchor": case("audit", "anchor", "-o", "{tmp}/anchor-{r}.json", allowed=EVERYONE),
    "audit prove": case("audit", "prove", "--from", "{tmp}/anchor-{r}.json", allowed=EVERYONE),
    "article list": case("article", "list", "--json", allowed=EVERYONE),
    "article show": case("article", "show", "{art_review}", allowed=EVERYONE),
    "article contributors": case("article", "contributors", "--year", "2022", allowed=EVERYONE),
    "visits list": case("visits", "list", "--json", allowed=EVERYONE),
    "dataentry matrix": case("dataentry", "matrix", "--json", allowed=EVERYONE),
    "dataentry export-ready": case("dataentry", "export-ready", allowed=EVERYONE),
    "stats monthly": case("stats", "monthly", "--year", "2022", "--json", allowed=EVERYONE),
    "export": case("export", "documents", "--format", "json", allowed=EVERYONE),
    "report half-year": case("report", "half-year", "--year", "2022", "--half", "1",
                             allowed=EVERYONE),
    "report annual": case("report", "annual", "--year", "2021", allowed=EVERYONE),
    "report check": case("report", "check", "--year", "2022", "--half", "1", allowed=EVERYONE),
    "report print": case("report", "print", "{report}", allowed=EVERYONE),
    # the reminder names every unit's late documents: not a clerk's (registering it is
    # tested with the letters, tests/test_reminders.py)
    "doc remind": case("doc", "remind", "--as-of", "2022-06-13", "--json",
                       allowed=EVERYONE - {"clerk"}),
    # without --unit: the book of the reader's own unit (a clerk's too)
    "register print": case("register", "print", "--book", "outgoing", "--year", "2022",
                           "-o", "{tmp}/book-{r}.xlsx", allowed=EVERYONE),
    "register verify": case("register", "verify", "--year", "2022", "{tmp}/book-{r}.xlsx",
                            allowed=EVERYONE),
    "article queue": case("article", "queue", "--json", allowed=EVERYONE),
    "stats units": case("stats", "units", "--month", "2022-05", "--json", allowed=EVERYONE),
    "royalty sheet": case("royalty", "sheet", "--month", "2022-05", "--json", allowed=EVERYONE),
    "royalty year": case("royalty", "year", "--year", "2022", "--json", allowed=EVERYONE),
    "royalty rate list": case("royalty", "rate", "list", "--json", allowed=EVERYONE),
    "dataentry subsystem list": case("dataentry", "subsystem", "list", "--json",
                                     allowed=EVERYONE),
}

# Commands that log nobody in, on purpose: `init` changes nothing once a database exists
# (tested below), the schema commands run before anyone can log in (every command migrates
# a new database on first use anyway), and the TUI has its own login screen.
# `account recover` is for whoever holds the database itself, which is its credential.
NO_LOGIN = {"init", "db upgrade", "db current", "db check", "tui", "serve", "account recover"}

# The import files each role runs (one per kind); "{...}" as in the matrix.
IMPORT_FILES = {
    "units": "code,name,kind\nIU-{r},Đơn vị nhập {r},other\n",
    "accounts": "username,full_name,unit,role\nimp-{r},Người nhập {r},DV,viewer\n",
    "trainings": "date,topic,unit\n2022-04-0{i},Tập huấn nhập {r},DV\n",
    "documents": "number,type,issuer,date,title,direction\n"
                 "{i}00-CV/BBT,CV,BBT,2021-03-0{i},Công văn nhập {r},outgoing\n",
    "deliveries": "number,unit,purpose,due,status\n{doc},DV4,inform,,sent\n",
    "articles": "title,kind,unit,author,photos,status,submitted,published,url\n"
                "Tin nhập {r},news,DV,,0,submitted,2022-05-01,,\n",
    "visits": "month,visitors\n2021-0{i},500\n",
    "dataentry": "unit,subsystem,period,status,date\nDV,UBND huyện,2020,entered,"
                 "2021-01-05\n",
    # not an import: the website feed `article sync-feed` reads
    "feed": "<rss version='2.0'><channel><title>Trang</title><item><title>Tin {r}</title>"
            "<link>https://baolam.example.vn/tin/{r}</link></item></channel></rss>\n",
}


def _all_commands() -> set[str]:
    from typer.main import get_command

    from commands.main import app

    def walk(command: Any, prefix: list[str]) -> Iterator[str]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*prefix, name])
        else:
            yield " ".join(prefix)

    return set(walk(get_command(app), []))


def test_every_command_is_classified() -> None:
    """A new command must be added to the matrix (or to a list that says why it is not)."""
    known = {name.split("#")[0] for name in [*STATE_CHANGING, *READING]} | NO_LOGIN
    missing = _all_commands() - known
    assert not missing, f"classify these commands in tests/test_security.py: {sorted(missing)}"
    gone = known - _all_commands()
    assert not gone, f"these commands no longer exist: {sorted(gone)}"


# ---------------------------------------------------------------- the role matrix


def _prepare(url: str, tmp: Path) -> dict[str, dict[str, str]]:
    """Units, one account per role, and for each role the records its commands act on,
    written through the domain in one transaction (fast: no login per step)."""
    from domain import accounts, articles, documents, keys, units
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    values: dict[str, dict[str, str]] = {}
    with transaction(get_engine(url)) as session:
        for code, kind in (("DV", "grassroots"), ("DV2", "grassroots"), ("DV3", "grassroots"),
                           ("DV4", "grassroots"), ("TU", "committee")):
            units.add(session, admin, code, f"Đơn vị {code}", kind)
        keys.create(session, admin, "TU", PASSPHRASE)
        keys.create(session, admin, "BBT", PASSPHRASE)
        (tmp / "signed.txt").write_text("Thông báo", encoding="utf-8")
        signed = documents.issue(session, admin, "TB", "BBT", "Đã ký",
                                 file=tmp / "signed.txt").number
        documents.send(session, admin, signed, ["DV"])
        keys.sign(session, admin, signed, PASSPHRASE)
        report = _register_report(session, admin)
        for i, role in enumerate(ROLES, start=1):
            accounts.add(session, admin, f"r-{role}", "DV" if role == "clerk" else "BBT", role,
                         password=ROLE_PASSWORD)
            accounts.add(session, admin, f"target-{role}", "DV", "clerk")
            doc = documents.issue(session, admin, "KH", "BBT", f"Kế hoạch {role}").number
            documents.send(session, admin, doc, ["DV"])
            ids = {}
            for step, moves in (("review", ()), ("approve", ("review",)), ("reject", ()),
                                ("publish", ("review", "approve"))):
                art = articles.add(session, admin, f"Bài {role} {step}", "news", "DV",
                                   submitted="2022-05-01")
                for move in moves:
                    articles.move(session, admin, art.id, move)  # type: ignore[arg-type]
                ids[f"art_{step}"] = str(art.id)
            values[role] = {"r": role, "i": str(i), "doc": doc, "signed": signed,
                            "report": report,
                            "target": f"target-{role}", "tmp": str(tmp), **ids}
            for kind, template in IMPORT_FILES.items():
                (tmp / f"{kind}-{role}.csv").write_text(_fill(template, values[role]),
                                                         encoding="utf-8")
    from tests.filekit import make_root

    (tmp / "root.pem").write_bytes(make_root().pem())
    return values


def _register_report(session: Any, admin: Any) -> str:
    from domain import report_register, reports

    draft = report_register.prepare(session, admin, reports.period("annual", 2021),
                                    date(2022, 1, 5), registering=True)
    return report_register.register(session, admin, draft, "md").number


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], template)


def _head(url: str) -> int:
    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one())


def _run_case(base: Bbt, role: str, name: str, c: Case, values: dict[str, str]) -> str | None:
    """Run one command as one role; return what was wrong, or None."""
    runner = base.as_(f"r-{role}", ROLE_PASSWORD)
    args = [_fill(a, values) for a in c.args]
    before = _head(base.url)
    result = runner(*args, input=_fill(c.input, values) if c.input else None, env=c.env)
    if role in c.allowed:
        if result.exit_code != 0:
            return f"{name} as {role}: expected success, got {result.exit_code}: {result.stderr}"
    elif result.exit_code != 3:
        return f"{name} as {role}: expected exit 3, got {result.exit_code}: {result.output}"
    elif _head(base.url) != before:
        return f"{name} as {role}: refused, but the audit chain grew"
    return None


def test_role_matrix(cli: Runner, tmp_path: Path) -> None:
    """Every role against every state-changing command: allowed, or exit 3 and nothing
    recorded; then every role may read."""
    values = _prepare(cli.url, tmp_path)
    problems = []
    for name, c in READING.items():
        for role in ("clerk", "viewer"):  # the least privileged; admin reads in every test
            problems.append(_run_case(cli, role, name, c, values[role]))
    for name, c in STATE_CHANGING.items():
        for role in ROLES:
            problems.append(_run_case(cli, role, name, c, values[role]))
    assert [p for p in problems if p] == []


def test_nobody_logged_in_gets_exit_3(cli: Runner) -> None:
    """No credentials, or a wrong password, and every command that logs in refuses with 3."""
    nobody = Runner(cli.url)
    placeholders = {"r": "x", "i": "1", "doc": "01-KH/BBT", "signed": "01-TB/BBT",
                    "report": "01-BC/BBT", "target": "admin", "tmp": "/tmp", "art_review": "1",
                    "art_approve": "1", "art_reject": "1", "art_publish": "1"}
    before = _head(cli.url)
    wrong = []
    for name, c in {**STATE_CHANGING, **READING}.items():
        result = nobody(*[_fill(a, placeholders) for a in c.args],
                        input=_fill(c.input, placeholders) if c.input else None, env=c.env)
        if result.exit_code != 3:
            wrong.append(f"{name}: {result.exit_code} {result.output[:200]}")
    assert wrong == []
    stranger = cli.as_("no-such-user", "whatever-password")
    assert stranger("unit", "add", "X", "x", "--kind", "other").exit_code == 3
    assert _head(cli.url) == before


def test_init_again_changes_nothing(cli: Runner) -> None:
    before = _head(cli.url)
    again = Runner(cli.url)("init", "--password-stdin", input="Mot-mat-khau-khac-2022\n")
    assert again.exit_code == 0 and "already" in again.stdout.lower()
    assert _head(cli.url) == before
    assert cli.ok("audit", "verify").exit_code == 0  # the old admin password still works


def test_clerk_stays_inside_its_unit(cli: Runner, tmp_path: Path) -> None:
    """A curious unit clerk cannot act on, list or open another unit's deliveries."""
    values = _prepare(cli.url, tmp_path)
    clerk = cli.as_("r-clerk", ROLE_PASSWORD)
    doc = values["admin"]["doc"]
    cli.ok("doc", "send", doc, "--to", "DV2")
    for args in (("doc", "ack", doc, "--unit", "DV2"), ("doc", "done", doc, "--unit", "DV2"),
                 ("doc", "forward", doc, "--from", "DV2", "--to", "DV3"),
                 ("doc", "inbox", "--unit", "DV2")):
        assert clerk(*args).exit_code == 3, args
    other = cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                   "Mật: chỉ gửi DV2").stdout.strip()
    cli.ok("doc", "send", other, "--to", "DV2")
    assert clerk("doc", "show", other).exit_code == 1
    listed = clerk.json("doc", "list")
    assert other not in {d["number"] for d in listed}
    assert all(d["unit"] == "DV" for row in listed for d in row["deliveries"])


def test_clerk_cannot_read_other_units_titles_in_the_audit(cli: Runner, tmp_path: Path) -> None:
    _prepare(cli.url, tmp_path)
    secret = cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                    "Nhân sự bí mật cho DV2").stdout.strip()
    cli.ok("doc", "send", secret, "--to", "DV2")
    clerk = cli.as_("r-clerk", ROLE_PASSWORD)
    seen = clerk("audit", "list", "--json", "--limit", "1000")
    assert "Nhân sự bí mật" not in seen.stdout


# ---------------------------------------------------------------- lockout


def test_lockout_and_its_release(cli: Runner) -> None:
    cli.ok("account", "add", "vt", "--unit", "BBT", "--role", "clerk", "--password-stdin",
           input=ROLE_PASSWORD + "\n")
    right, wrong = cli.as_("vt", ROLE_PASSWORD), cli.as_("vt", "Sai-mat-khau-1234")
    unknown = cli.as_("khong-co-ai", "Sai-mat-khau-1234")

    def status() -> tuple[str, int]:
        engine = create_engine(cli.url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT status, failed_logins FROM account "
                                    "WHERE username = 'vt'")).one()
        engine.dispose()
        return row[0], row[1]

    # four failures, then a success: the counter starts again
    for _ in range(4):
        assert wrong("doc", "list").exit_code == 3
    assert status() == ("active", 4)
    right.ok("doc", "list")
    assert status() == ("active", 0)
    # five in a row lock the account; the right password no longer opens it
    messages = {wrong("doc", "list").stderr for _ in range(5)}
    assert status() == ("locked", 5)
    assert messages == {unknown("doc", "list").stderr}  # no hint that the user exists
    locked = right("doc", "list")
    assert locked.exit_code == 3 and "locked" in locked.stderr
    assert status()[0] == "locked"
    actions = [e["action"] for e in cli.json("audit", "list")]
    assert "account.lockout" in actions
    # an admin unlocks: the password works and the counter is cleared
    cli.ok("account", "unlock", "vt")
    assert status() == ("active", 0)
    right.ok("doc", "list")
    # a password reset also releases a lock, with a one-time password that must be changed
    for _ in range(5):
        wrong("doc", "list")
    assert status()[0] == "locked"
    one_time = cli.ok("account", "reset-password", "vt").stdout.rsplit(":", 1)[1].strip()
    first = cli.as_("vt", one_time)("doc", "list")
    assert first.exit_code == 3 and "passwd" in first.stderr
    cli.as_("vt", one_time).ok("passwd", "--password-stdin", input="Mat-khau-moi-vt-2022\n")
    cli.as_("vt", "Mat-khau-moi-vt-2022").ok("doc", "list")
    assert right("doc", "list").exit_code == 3  # the old password is gone
    cli.ok("audit", "verify")


def _guess(url: str, barrier: Any, queue: Any) -> None:
    guesser = Runner(url).as_("vt", "Doan-mo-mat-khau-1")
    barrier.wait(timeout=60)
    results = [guesser("doc", "list").exit_code for _ in range(2)]
    queue.put(results)


@pytest.mark.slow
def test_parallel_guessing_still_locks_after_five(cli: Runner) -> None:
    """Eight processes guess at once: every wrong guess counts (none lost to a race), so the
    account locks after exactly five, like guesses made one by one."""
    import multiprocessing

    cli.ok("account", "add", "vt", "--unit", "BBT", "--role", "clerk", "--password-stdin",
           input=ROLE_PASSWORD + "\n")
    ctx = multiprocessing.get_context("forkserver")
    barrier, queue = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_guess, args=(cli.url, barrier, queue)) for _ in range(8)]
    for p in procs:
        p.start()
    codes = [c for _ in procs for c in queue.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
    assert codes == [3] * 16
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, failed_logins FROM account "
                                "WHERE username = 'vt'")).one()
    engine.dispose()
    assert tuple(row) == ("locked", 5)
    assert cli.as_("vt", ROLE_PASSWORD)("doc", "list").exit_code == 3


def test_admin_cannot_lock_itself_out(cli: Runner) -> None:
    assert cli("account", "lock", "admin").exit_code == 1
    cli.ok("doc", "list")


# ---------------------------------------------------------------- secrets


def _database_bytes(url: str) -> bytes:
    """Everything the database holds, as bytes: the SQLite file and its WAL, or a plain
    pg_dump of BBT's schema."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    import shutil

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: cannot read the whole PostgreSQL database")
    plain = url.split("?", 1)[0].replace("+psycopg", "")
    schema = re.search(r"search_path%3D(\w+)", url)[1]  # type: ignore[index]
    return subprocess.run(["pg_dump", f"--dbname={plain}", f"--schema={schema}"],
                          capture_output=True, check=True).stdout


def _forms(secret: str | bytes) -> list[bytes]:
    """The ways a secret could show up: as it is, hex (PostgreSQL bytea), UTF-16."""
    raw = secret.encode() if isinstance(secret, str) else secret
    forms = [raw, raw.hex().encode()]
    if isinstance(secret, str):
        forms.append(secret.encode("utf-16-le"))
    return forms


def test_no_secret_is_ever_shown_or_stored(cli: Runner, tmp_path: Path) -> None:
    """Passwords, one-time passwords, the key passphrase and the private key bytes appear
    nowhere: not in output (except the one-time password, printed once), not in the audit
    chain, not in listings, and not anywhere in the database except as hashes/wrapped."""
    own_password = "Mat-khau-rieng-cua-toi-2022!"
    wrong_password = "Doan-sai-mat-khau-777"
    outputs: list[str] = []

    def run(runner: Bbt, *args: str, **kwargs: Any) -> Any:
        result = runner(*args, **kwargs)
        outputs.append(result.stdout + result.stderr)
        return result

    created = run(cli, "account", "add", "otp-user", "--unit", "BBT", "--role", "operator")
    one_time = created.stdout.rsplit(":", 1)[1].strip()
    assert len(one_time) >= 12
    outputs.pop()  # the one place the one-time password is meant to be shown
    run(cli, "account", "add", "own", "--unit", "BBT", "--role", "operator",
        "--password-stdin", input=own_password + "\n")
    run(cli.as_("own", wrong_password), "doc", "list")
    reset = cli.ok("account", "reset-password", "own").stdout.rsplit(":", 1)[1].strip()
    run(cli.as_("own", reset), "passwd", "--password-stdin", input=own_password + "2\n")
    run(cli, "key", "create", "--unit", "BBT", env={"BBT_KEY_PASSPHRASE": PASSPHRASE})
    number = run(cli, "doc", "issue", "--type", "TB", "--issuer", "BBT", "--title",
                 "Có chữ ký").stdout.strip()
    run(cli, "doc", "sign", number, env={"BBT_KEY_PASSPHRASE": PASSPHRASE})
    run(cli, "doc", "sign", number, env={"BBT_KEY_PASSPHRASE": PASSPHRASE + "-sai"})
    # accounts imported in bulk: their one-time passwords go to a new private file only
    source = tmp_path / "accounts.csv"
    source.write_text("username,full_name,unit,role\nnhap.mot,Nhập Một,BBT,clerk\n",
                      encoding="utf-8")
    credentials = tmp_path / "credentials.csv"
    old_umask = os.umask(0o022)
    try:
        run(cli, "import", "accounts", str(source), "--credentials", str(credentials))
    finally:
        os.umask(old_umask)
    assert credentials.stat().st_mode & 0o777 == 0o600
    imported_otp = credentials.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[-1]
    assert len(imported_otp) >= 12, credentials.read_text()
    for listing in (("audit", "list", "--json", "--limit", "10000"), ("account", "list", "--json"),
                    ("key", "list", "--json"), ("settings", "list", "--json"),
                    ("doc", "show", number, "--json"), ("export", "accounts"),
                    ("export", "accounts", "--format", "json"), ("export", "documents")):
        run(cli, *listing)
    exported = tmp_path / "accounts.xlsx"
    run(cli, "export", "accounts", "-o", str(exported))
    private_key = _private_key_bytes(cli.url)
    secrets: dict[str, str | bytes] = {
        "admin password": ADMIN_PASSWORD, "own password": own_password,
        "new password": own_password + "2", "wrong password": wrong_password,
        "one-time password": one_time, "reset one-time password": reset,
        "imported one-time password": imported_otp, "passphrase": PASSPHRASE,
        "private key": private_key,
    }
    assert "argon2" not in "\n".join(outputs)
    shown = "\n".join(outputs).encode() + _xlsx_text(exported)
    stored = _database_bytes(cli.url)
    leaks = [f"{name} in {where}" for name, secret in secrets.items()
             for where, blob in (("output", shown), ("database", stored))
             if any(form in blob for form in _forms(secret))]
    assert leaks == []
    assert b"$argon2id$" in stored  # the passwords are there as Argon2id hashes


def _xlsx_text(path: Path) -> bytes:
    """Every cell of a workbook, as text."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for c in row if c is not None]
    book.close()
    assert cells, "the export is empty"
    return "\n".join(cells).encode()


def _private_key_bytes(url: str) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from sqlmodel import select

    from domain import keys
    from domain.db import get_engine, transaction
    from models import SigningKey

    with transaction(get_engine(url)) as session:
        key = session.exec(select(SigningKey)).one()
        private = keys._unseal(key, PASSPHRASE)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    assert len(raw) == 32
    return raw


# ---------------------------------------------------------------- private files


def test_backup_files_are_private(cli: Runner, tmp_path: Path) -> None:
    """A backup holds password hashes and wrapped keys: only its owner may read it."""
    if cli.url.startswith("postgresql"):
        import shutil

        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
    old = os.umask(0o022)
    try:
        dest = tmp_path / "private.bak"
        cli.ok("db", "backup", str(dest))
    finally:
        os.umask(old)
    assert dest.stat().st_mode & 0o777 == 0o600
    again = cli("db", "backup", str(dest))
    assert again.exit_code == 1 and dest.stat().st_size > 0  # never overwritten


def test_new_sqlite_database_is_private(tmp_path: Path) -> None:
    """The SQLite file holds the password hashes and wrapped keys (and its WAL holds recent
    pages): a stolen laptop is out of reach, but other users of the machine are not."""
    old = os.umask(0o022)
    try:
        Bbt(f"sqlite:///{tmp_path / 'new.db'}").ok(
            "init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
        from domain.db import dispose_all

        dispose_all()
    finally:
        os.umask(old)
    for path in tmp_path.glob("new.db*"):
        assert path.stat().st_mode & 0o777 == 0o600, path


# ---------------------------------------------------------------- seals


def _tamper_setup(url: str) -> tuple[str, bytes]:
    from domain import documents, keys
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    content = b"%PDF-1.4\n" + bytes(range(48))  # BBT keeps only files of known types
    with transaction(get_engine(url)) as session:
        from domain import units

        units.add(session, admin, "HU", "Huyện ủy", "committee")
        keys.create(session, admin, "BBT", PASSPHRASE)
        path = Path(url.split("///")[-1]).parent if url.startswith("sqlite") else Path("/tmp")
        attachment = path / f"seal-{os.getpid()}.bin"
        attachment.write_bytes(content)
        doc = documents.issue(session, admin, "KH", "BBT", "Kế hoạch số hóa", "2022-06-10",
                              file=attachment, urgency="urgent", signer="Linh")
        attachment.unlink()
        keys.sign(session, admin, doc.number, PASSPHRASE)
    return doc.number, content


def _verdict(url: str, number: str) -> bool:
    from domain import keys
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    with transaction(get_engine(url)) as session:
        return keys.verify(session, Actor("admin", "admin"), number).valid


def _sql(url: str, statement: str, **params: Any) -> None:
    from domain.db import get_engine

    with get_engine(url).begin() as conn:
        conn.execute(text(statement), params)


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


def test_seal_breaks_on_any_single_byte_change(cli: Runner) -> None:
    import hashlib

    url = cli.url
    number, content = _tamper_setup(url)
    assert _verdict(url, number)
    broken = []
    # every byte of the attachment, with and without its stored SHA-256 recomputed
    for i in range(len(content)):
        changed = _flip(content, i)
        sha = hashlib.sha256(content).hexdigest()
        _sql(url, "UPDATE attachment SET data = :d WHERE sha256 = :s", d=changed, s=sha)
        if _verdict(url, number):
            broken.append(f"attachment byte {i}")
        _sql(url, "UPDATE attachment SET data = :d WHERE sha256 = :s", d=content, s=sha)
        new_sha = hashlib.sha256(changed).hexdigest()
        _sql(url, "INSERT INTO attachment (sha256, data, size) VALUES (:s, :d, :n)",
             s=new_sha, d=changed, n=len(changed))
        _sql(url, "UPDATE document SET attachment_sha256 = :s WHERE number = :n",
             s=new_sha, n=number)
        if _verdict(url, number):
            broken.append(f"attachment byte {i} with its hash recomputed")
        _sql(url, "UPDATE document SET attachment_sha256 = :s WHERE number = :n", s=sha, n=number)
        _sql(url, "DELETE FROM attachment WHERE sha256 = :s", s=new_sha)
    # every byte of the signature
    signature = _signature(url, number)
    for i in range(len(signature)):
        _sql(url, "UPDATE document SET signature = :s WHERE number = :n",
             s=_flip(signature, i), n=number)
        if _verdict(url, number):
            broken.append(f"signature byte {i}")
    _sql(url, "UPDATE document SET signature = :s WHERE number = :n", s=signature, n=number)
    assert _verdict(url, number)
    # each piece of metadata, one character or one day at a time
    for column, value in (("title", "Kế hoạch số hoá"), ("title", "Kế hoạch số hóA"),
                          ("title", "Kế hoạch số hóa "), ("date", "2022-06-11"),
                          ("date", "2022-06-09"), ("urgency", "normal"), ("signer", "Linx"),
                          ("place", "Bảo Lộc"), ("attachment_name", "seal.bin"),
                          ("direction", "incoming"), ("doc_type", "KL")):
        old = _column(url, number, column)
        _sql(url, f"UPDATE document SET {column} = :v WHERE number = :n", v=value, n=number)
        if _verdict(url, number):
            broken.append(f"{column} = {value!r}")
        _sql(url, f"UPDATE document SET {column} = :v WHERE number = :n", v=old, n=number)
    assert _verdict(url, number)
    # the number itself, and the issuer
    _sql(url, "UPDATE document SET number = '02-KH/BBT', seq = 2 WHERE number = :n", n=number)
    if _verdict(url, "02-KH/BBT"):
        broken.append("number")
    _sql(url, "UPDATE document SET number = :n, seq = 1 WHERE number = '02-KH/BBT'", n=number)
    _sql(url, "UPDATE document SET issuer_id = (SELECT id FROM unit WHERE code = 'HU') "
              "WHERE number = :n", n=number)
    if _verdict(url, number):
        broken.append("issuer")
    _sql(url, "UPDATE document SET issuer_id = (SELECT id FROM unit WHERE code = 'BBT') "
              "WHERE number = :n", n=number)
    assert _verdict(url, number)  # every change was undone: the seal holds again
    assert broken == []


def _signature(url: str, number: str) -> bytes:
    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return bytes(conn.execute(text("SELECT signature FROM document WHERE number = :n"),
                                  {"n": number}).scalar_one())


def _column(url: str, number: str, column: str) -> Any:
    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT {column} FROM document WHERE number = :n"),
                            {"n": number}).scalar_one()


# ---------------------------------------------------------------- hostile input

INJECTIONS = ("'; DROP TABLE document; --", "' OR '1'='1", "%' OR 1=1 --",
              "1); DELETE FROM unit; --", "' UNION SELECT password_hash FROM account --")


def _table_counts(url: str) -> dict[str, int]:
    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("document", "unit", "account", "delivery", "audit_entry")}


def test_sql_injection_in_search_and_codes_does_nothing(cli: Runner) -> None:
    cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn thường")
    before = _table_counts(cli.url)
    for attack in INJECTIONS:
        found = cli("doc", "list", "--search", attack, "--json")
        assert found.exit_code == 0 and found.stdout.strip() == "[]", (attack, found.output)
        # each of these looks the attacker's text up in the database
        for args in (("doc", "list", "--unit", attack), ("account", "lock", attack),
                     ("doc", "issue", "--type", "CV", "--issuer", attack, "--title", "x")):
            result = cli(*args)
            assert result.exit_code == 1, (args, result.output)
            assert "Traceback" not in result.output and "SQL" not in result.output, result.output
    assert _table_counts(cli.url) == before
    cli.ok("audit", "verify")


def test_unit_codes_are_refused_unless_a_number_can_carry_them(cli: Runner) -> None:
    before = _table_counts(cli.url)
    result = cli("unit", "add", "X'; DROP TABLE unit; --", "Tên", "--kind", "board")
    assert _table_counts(cli.url)["unit"] in (before["unit"], before["unit"] + 1)  # no DROP
    if result.exit_code == 0:  # accepted: then its documents must be usable like any other
        number = cli.ok("doc", "issue", "--type", "CV", "--issuer", result.stdout.strip(),
                        "--title", "x").stdout.strip()
        cli.ok("doc", "show", number)
    else:
        assert result.exit_code == 1


def test_nul_is_refused_or_removed(cli: Runner) -> None:
    """Text from a paste or a file may carry NUL: PostgreSQL cannot store it, SQLite cuts
    strings at it in C code. Either way the user gets one sentence, never the SQL."""
    for args in (("doc", "list", "--search", "a\x00b"),
                 ("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "a\x00b"),
                 ("unit", "add", "A\x00B", "x", "--kind", "other")):
        result = cli(*args)
        assert result.exit_code in (0, 1), result.output
        assert "SQL" not in result.output and len(result.stderr.splitlines()) <= 1, result.output
        if result.exit_code == 0 and args[1] == "issue":
            shown = cli.json("doc", "show", result.stdout.strip())
            assert "\x00" not in shown["title"]


def test_file_options_read_only_regular_files(cli: Runner, tmp_path: Path) -> None:
    """Attachments: a directory, a FIFO (which would block forever), a device, a missing
    file and an oversized file are refused at once; only the file's own name is kept."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: no disk used, but too large
    before = _table_counts(cli.url)
    for bad in (tmp_path, fifo, Path("/dev/zero"), tmp_path / "missing.pdf", huge,
                tmp_path / ".." / "nowhere" / "x.pdf"):
        result = cli("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "x",
                     "--file", str(bad))
        assert result.exit_code == 1 and "Traceback" not in result.output, (bad, result.output)
    assert _table_counts(cli.url) == before
    (tmp_path / "sub").mkdir()
    real = tmp_path / "kh.pdf"
    real.write_bytes(b"%PDF-1.4 x")
    number = cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "x",
                    "--file", str(tmp_path / "sub" / ".." / "kh.pdf")).stdout.strip()
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        name = conn.execute(text("SELECT attachment_name FROM document WHERE number = :n"),
                            {"n": number}).scalar_one()
    engine.dispose()
    assert name == "kh.pdf"


def _bounded_command(url: str, args: list[str], queue: Any) -> None:
    """Run one command with 2 GB of memory at most (a file that never ends must not take
    the test machine down with it)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
    result = Runner(url).as_("admin", ADMIN_PASSWORD)(*args)
    queue.put((result.exit_code, result.output))


@pytest.mark.slow
def test_import_refuses_files_that_never_end(tmp_path: Path) -> None:
    """A FIFO or a device named like a spreadsheet (the engine does not matter here)."""
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'bbt.db'}"
    Runner(url).ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    fifo, zero = tmp_path / "units.csv", tmp_path / "zero.csv"
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    ctx = multiprocessing.get_context("forkserver")
    problems = []
    for path in (fifo, zero):
        queue = ctx.Queue()
        proc = ctx.Process(target=_bounded_command,
                           args=(url, ["import", "units", str(path)], queue))
        proc.start()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()
            problems.append(f"{path.name}: still reading after 10 s")
            continue
        code, output = queue.get(timeout=5) if not queue.empty() else (proc.exitcode, "")
        if code != 1 or "Unexpected" in output or len(output.strip().splitlines()) != 1:
            problems.append(f"{path}: exit {code}: {output.strip()[:200]}")
    assert problems == []


def test_backup_and_restore_refuse_bad_paths(cli: Runner, tmp_path: Path) -> None:
    for args in (("db", "backup", str(tmp_path / "no" / "such" / "dir" / "b.db")),
                 ("db", "restore", str(tmp_path / "missing.db"))):
        result = cli(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    if cli.url.startswith("sqlite"):
        for bad in (tmp_path, Path("/dev/null")):
            result = cli("db", "restore", str(bad))
            assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    cli.ok("db", "check")
    cli.ok("audit", "verify")
