"""Reliability under load and faults, on SQLite and PostgreSQL.

Several processes write at once through the same path a user takes (the `bbt` command, with a
login per command): nobody is told "database is locked", no number is skipped or repeated,
the audit chain never forks, and a delivery changed by two clerks at once is changed once.
A process killed with SIGKILL in the middle of a transaction leaves a sound database with all
or none of its work. `bbt db backup` taken while writers are busy restores to a database that
passes `bbt db check` and `bbt audit verify`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, Bbt, _pg_schema_url
from tests.test_security import Runner

WORKER_PASSWORD = "Mat-khau-tien-trinh-2022"
# Workers fork from a clean server process that has imported BBT once: a fresh interpreter
# per worker ("spawn") costs a second of imports each, and forking the test process itself
# would copy its open database connections and the threads of pytest-xdist.
PROCESSES = multiprocessing.get_context("forkserver")
PROCESSES.set_forkserver_preload(["commands.main", "domain.documents", "domain.articles",
                                  "domain.accounts", "tests.test_reliability"])


@pytest.fixture
def cli(bbt: Bbt) -> Runner:
    """conftest's `bbt` (both engines, acting as admin), with the faster runner."""
    return Runner.of(bbt)


# ---------------------------------------------------------------- helpers


def _rows(url: str, sql: str, **params: Any) -> list[tuple]:
    from domain.db import get_engine

    with get_engine(url, upgrade=False).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _scalar(url: str, sql: str, **params: Any) -> Any:
    return _rows(url, sql, **params)[0][0]


def _seqs(url: str, issuer: str, doc_type: str | None = None) -> list[int]:
    """The sequence numbers an issuer's outgoing register holds, in order."""
    sql = ("SELECT d.seq FROM document d JOIN unit u ON u.id = d.issuer_id "
           "WHERE u.code = :issuer AND d.direction = 'outgoing'")
    if doc_type:
        sql += " AND d.doc_type = :doc_type"
    return [r[0] for r in _rows(url, sql + " ORDER BY d.seq", issuer=issuer, doc_type=doc_type)]


def _incoming(url: str, unit: str) -> list[int]:
    return [r[0] for r in _rows(
        url, "SELECT d.incoming_number FROM document d JOIN unit u ON u.id = d.recipient_id "
        "WHERE u.code = :unit ORDER BY d.incoming_number", unit=unit)]


def _assert_gapless(values: list[int], start: int = 1) -> None:
    assert values == list(range(start, start + len(values))), values


def _audit_count(url: str, action: str | None = None) -> int:
    if action is None:
        return int(_scalar(url, "SELECT count(*) FROM audit_entry"))
    return int(_scalar(url, "SELECT count(*) FROM audit_entry WHERE action = :a", a=action))


def _assert_sound(admin: Bbt) -> None:
    """What every test here ends with: the engine's checks and the audit chain pass."""
    admin.ok("db", "check")
    verdict = admin.ok("audit", "verify").stdout
    assert "intact" in verdict, verdict
    if admin.url.startswith("sqlite"):
        path = admin.url.split("///", 1)[1]
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()


def _join(workers: list, timeout: float = 120) -> None:
    for w in workers:
        w.join(timeout=timeout)
        if w.is_alive():
            w.kill()
            raise AssertionError(f"worker {w.name} did not finish in {timeout} s")


def _problems(result: Any) -> str:
    """What went wrong in a failed command, for the assertion message."""
    return f"exit {result.exit_code}: {result.stderr.strip() or result.stdout.strip()}"


# ---------------------------------------------------------------- concurrent writers


def _mixed_writer(url: str, worker: int, rounds: int, queue: Any) -> None:
    """One clerk's day in fast motion, through the CLI: issue, send, acknowledge, finish,
    register incoming mail, and an article through the editorial workflow."""
    base = Runner(url)
    operator = base.as_(f"op{worker}", WORKER_PASSWORD)
    clerk = base.as_(f"vt{worker}", WORKER_PASSWORD)
    editor = base.as_(f"bt{worker}", WORKER_PASSWORD)
    unit, other = f"W{worker}", f"W{(worker + 1) % 4}"
    report: dict[str, Any] = {"ops": 0, "failures": [], "issued": []}

    def run(runner: Bbt, *args: str) -> str:
        result = runner(*args)
        if result.exit_code != 0:
            report["failures"].append(f"{' '.join(args[:2])}: {_problems(result)}")
            return ""
        report["ops"] += 1
        return result.stdout.strip()

    for r in range(rounds):
        number = run(operator, "doc", "issue", "--type", "TB", "--issuer", "BBT",
                     "--title", f"Thông báo {worker}.{r}", "--date", "2022-06-01")
        if number:
            report["issued"].append(number)
            run(operator, "doc", "send", number, "--to", unit, "--to", other,
                "--purpose", "act", "--due", "2022-06-30")
            run(clerk, "doc", "ack", number, "--unit", unit)
            run(clerk, "doc", "done", number, "--unit", unit, "--note", "xong")
        run(operator, "doc", "receive", "--number", f"{100 * worker + r + 1}-CV/TU",
            "--from", "TU", "--date", "2022-06-01", "--title", "Công văn đến", "--to", "BBT",
            "--received", "2022-06-02")
        article = run(editor, "article", "add", "--title", f"Tin {worker}.{r}", "--kind",
                      "news", "--unit", unit, "--submitted", "2022-06-01")
        if article:
            for step in ("review", "approve"):
                run(editor, "article", step, article)
            run(editor, "article", "publish", article, "--on", "2022-06-02")
    queue.put(report)


def _add_accounts(url: str, accounts: list[tuple[str, str, str]],
                  units: tuple[tuple[str, str], ...] = ()) -> None:
    """Units and accounts (name, role, unit) in one transaction, as the admin."""
    from domain import accounts as accounts_
    from domain import units as units_
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    with transaction(get_engine(url)) as session:
        for code, kind in units:
            units_.add(session, admin, code, f"Đơn vị {code}", kind)
        for name, role, unit in accounts:
            accounts_.add(session, admin, name, unit, role, password=WORKER_PASSWORD)


def _setup_workers(url: str, count: int) -> None:
    _add_accounts(
        url,
        [(f"{prefix}{i}", role, unit) for i in range(count)
         for prefix, role, unit in (("op", "operator", "BBT"), ("vt", "clerk", f"W{i}"),
                                    ("bt", "editor", "BBT"))],
        (("TU", "committee"), *((f"W{i}", "grassroots") for i in range(count))))


@pytest.mark.slow
def test_concurrent_writers_never_lock_fork_or_skip(cli: Runner) -> None:
    """4 processes x 2 rounds of 9 commands: every command succeeds, the registers stay
    gapless, and every command left exactly one audit entry in an unbroken chain."""
    workers_count, rounds = 4, 2
    _setup_workers(cli.url, workers_count)
    before = _audit_count(cli.url)
    queue = PROCESSES.Queue()
    workers = [PROCESSES.Process(target=_mixed_writer, args=(cli.url, i, rounds, queue))
               for i in range(workers_count)]
    for w in workers:
        w.start()
    reports = [queue.get(timeout=180) for _ in workers]
    _join(workers)
    failures = [f for r in reports for f in r["failures"]]
    assert failures == [], failures
    ops = sum(r["ops"] for r in reports)
    assert ops == workers_count * rounds * 9
    issued = sorted(int(n.split("-")[0]) for r in reports for n in r["issued"])
    _assert_gapless(issued)
    _assert_gapless(_seqs(cli.url, "BBT", "TB"))
    _assert_gapless(_incoming(cli.url, "BBT"))
    assert _audit_count(cli.url) - before == ops  # one entry per change, none lost, none doubled
    _assert_sound(cli)


def _race_deliveries(url: str, actor_name: str, action: str, races: list[tuple[str, int]],
                     barrier: Any, queue: Any) -> None:
    """Act on deliveries with the version read before each race, as a form on screen would;
    the barrier starts both racers at the same moment, race after race."""
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction
    from domain.errors import BBTError, Conflict

    engine = get_engine(url)
    actor = Actor(actor_name, "operator")
    for number, version in races:
        barrier.wait(timeout=60)
        try:
            with transaction(engine) as session:
                if action == "ack":
                    documents.acknowledge(session, actor, number, "DV", expected_version=version)
                else:
                    documents.mark_done(session, actor, number, "DV", f"by {actor_name}",
                                        expected_version=version)
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        except BBTError as exc:
            outcome = f"refused: {exc}"
        except Exception as exc:  # anything else is a bug the test must show
            outcome = f"ERROR {type(exc).__name__}: {exc}"
        queue.put((number, actor_name, outcome))


@pytest.mark.slow
def test_two_clerks_on_one_delivery_across_processes(cli: Runner) -> None:
    """Lost update: two processes hold the same version of a delivery; one acknowledges it
    and the other finishes it at the same moment. Exactly one wins; the other is told."""
    cli.ok("unit", "add", "DV", "Đơn vị nhận", "--kind", "grassroots")
    races = []
    for i in range(4):
        number = cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                        f"Công văn {i}").stdout.strip()
        cli.ok("doc", "send", number, "--to", "DV")
        races.append((number, cli.json("doc", "show", number)["deliveries"][0]["version"]))
    before = _audit_count(cli.url)
    barrier, queue = PROCESSES.Barrier(2), PROCESSES.Queue()
    racers = [PROCESSES.Process(target=_race_deliveries,
                            args=(cli.url, name, action, races, barrier, queue))
              for name, action in (("clerk-a", "ack"), ("clerk-b", "done"))]
    for p in racers:
        p.start()
    outcomes: dict[str, dict[str, str]] = {}
    for _ in range(2 * len(races)):
        number, name, outcome = queue.get(timeout=120)
        outcomes.setdefault(number, {})[name] = outcome
    _join(racers)
    written = _audit_count(cli.url) - before  # before the checks below: each view is recorded
    for number, version in races:
        seen = outcomes[number]
        assert not [o for o in seen.values() if o.startswith("ERROR")], seen
        winners = [name for name, o in seen.items() if o == "ok"]
        assert len(winners) == 1, seen
        loser = "clerk-b" if winners == ["clerk-a"] else "clerk-a"
        assert seen[loser] == "conflict" or seen[loser].startswith("refused"), seen
        delivery = cli.json("doc", "show", number)["deliveries"][0]
        assert delivery["status"] == ("received" if winners == ["clerk-a"] else "done")
        assert delivery["version"] == version + 1  # written once, not twice
    assert written == len(races)
    _assert_sound(cli)


def _cli_done(url: str, number: str, barrier: Any, queue: Any) -> None:
    runner = Runner(url).as_("admin", ADMIN_PASSWORD)
    barrier.wait(timeout=60)
    result = runner("doc", "done", number, "--unit", "DV", "--note", str(os.getpid()))
    queue.put((result.exit_code, result.stderr.strip()))


@pytest.mark.slow
def test_same_command_from_four_processes_changes_once(cli: Runner) -> None:
    """Four scripts mark the same delivery done at once: one succeeds, three are refused
    with one sentence (not a lock error, not a traceback), and the note is the winner's."""
    cli.ok("unit", "add", "DV", "Đơn vị nhận", "--kind", "grassroots")
    number = cli.ok("doc", "issue", "--type", "CV", "--issuer", "BBT",
                    "--title", "Khẩn").stdout.strip()
    cli.ok("doc", "send", number, "--to", "DV")
    before = _audit_count(cli.url, "delivery.done")
    barrier, queue = PROCESSES.Barrier(4), PROCESSES.Queue()
    procs = [PROCESSES.Process(target=_cli_done, args=(cli.url, number, barrier, queue))
             for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    _join(procs)
    assert sorted(code for code, _ in results) == [0, 1, 1, 1], results
    for code, message in results:
        if code:
            assert "locked" not in message and "Traceback" not in message, message
            assert len(message.splitlines()) == 1, message
    assert _audit_count(cli.url, "delivery.done") - before == 1
    _assert_sound(cli)


# ---------------------------------------------------------------- crash safety


def _issue_in_one_transaction(url: str, marker: str, attachment: str) -> None:
    """Issue documents with attachments in ONE transaction, forever: killed mid-way."""
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    actor = Actor("admin", "admin")
    with transaction(engine) as session:
        for i in range(100_000):
            # new bytes: a new attachment row (an image's header: BBT keeps known types only)
            Path(attachment).write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(16384))
            documents.issue(session, actor, "TB", "BBT", f"Giao dịch lớn {i}", file=attachment)
            if i == 150:  # the transaction is large now; SQLite has spilled pages to the WAL
                Path(marker).write_text("ready")


def _issue_one_by_one(url: str, marker: str) -> None:
    """Issue documents each in its own transaction, forever: killed at a random moment."""
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    actor = Actor("admin", "admin")
    for i in range(100_000):
        with transaction(engine) as session:
            doc = documents.issue(session, actor, "BC", "BBT", f"Từng cái {i}")
            documents.send(session, actor, doc.number, ["DV"])
        if i == 5:
            Path(marker).write_text("ready")


def _start_and_kill(target: Any, args: tuple, marker: Path, extra_delay: float) -> None:
    proc = PROCESSES.Process(target=target, args=args)
    proc.start()
    deadline = time.monotonic() + 90
    while not marker.exists():
        if not proc.is_alive():
            raise AssertionError(f"the writer died before it was killed (exit {proc.exitcode})")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the writer never got going")
        time.sleep(0.01)
    time.sleep(extra_delay)
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=30)
    assert proc.exitcode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_in_a_large_transaction_keeps_none_of_it(cli: Runner, tmp_path: Path) -> None:
    first = cli.ok("doc", "issue", "--type", "TB", "--issuer", "BBT", "--title", "Trước").stdout
    docs, entries = _scalar(cli.url, "SELECT count(*) FROM document"), _audit_count(cli.url)
    attachments = _scalar(cli.url, "SELECT count(*) FROM attachment")
    marker = tmp_path / "ready"
    _start_and_kill(_issue_in_one_transaction,
                    (cli.url, str(marker), str(tmp_path / "a.bin")), marker, 0.3)
    if cli.url.startswith("sqlite"):
        # the kill hit a transaction that had already spilled uncommitted pages to the WAL
        wal = Path(cli.url.split("///", 1)[1] + "-wal")
        assert wal.stat().st_size > 1_000_000
    # none of it: no document, attachment, audit entry or counter step survived the kill
    assert _scalar(cli.url, "SELECT count(*) FROM document") == docs
    assert _scalar(cli.url, "SELECT count(*) FROM attachment") == attachments
    assert _audit_count(cli.url) == entries
    _assert_sound(cli)
    # the register continues right after the last committed number
    assert first.strip() == "01-TB/BBT"
    assert cli.ok("doc", "issue", "--type", "TB", "--issuer", "BBT",
                  "--title", "Sau").stdout.strip() == "02-TB/BBT"
    _assert_gapless(_seqs(cli.url, "BBT", "TB"))


@pytest.mark.slow
def test_sigkill_between_small_transactions_keeps_whole_ones(cli: Runner, tmp_path: Path) -> None:
    """Killed at random moments of a stream of commits, three times over: every document
    that exists is whole (with its audit entry), and the register has no gap."""
    cli.ok("unit", "add", "DV", "Đơn vị nhận", "--kind", "grassroots")
    rng = random.Random(8)
    for attempt in range(3):
        marker = tmp_path / f"ready{attempt}"
        _start_and_kill(_issue_one_by_one, (cli.url, str(marker)), marker,
                        rng.uniform(0.05, 0.4))
        issued = _seqs(cli.url, "BBT", "BC")
        _assert_gapless(issued)
        assert len(issued) == _audit_count(cli.url, "document.issue")
        # issue and send were one transaction: a document never exists without its delivery
        assert _scalar(cli.url, "SELECT count(*) FROM delivery") == len(issued)
        assert _audit_count(cli.url, "document.send") == len(issued)
        counter = _scalar(cli.url, "SELECT max(value) FROM register_counter WHERE series='BC'")
        assert counter == len(issued)  # the counter never ran ahead of the documents
    _assert_sound(cli)
    after = cli.ok("doc", "issue", "--type", "BC", "--issuer", "BBT", "--title", "x").stdout
    assert int(after.split("-")[0]) == len(issued) + 1


# ---------------------------------------------------------------- backups under load


def _issue_until_stopped(url: str, worker: int, stop: str, queue: Any) -> None:
    runner = Runner(url).as_(f"op{worker}", WORKER_PASSWORD)
    done_, failures = 0, []
    while not Path(stop).exists():
        result = runner("doc", "issue", "--type", "KH", "--issuer", "BBT", "--title",
                        f"Kế hoạch {worker}.{done_}")
        if result.exit_code:
            failures.append(_problems(result))
        else:
            done_ += 1
        time.sleep(0.02)
    queue.put((done_, failures))


def _writers(admin: Bbt, count: int, stop: Path) -> tuple[list, Any]:
    _add_accounts(admin.url, [(f"op{i}", "operator", "BBT") for i in range(count)])
    queue = PROCESSES.Queue()
    procs = [PROCESSES.Process(target=_issue_until_stopped, args=(admin.url, i, str(stop), queue))
             for i in range(count)]
    for p in procs:
        p.start()
    return procs, queue


def _stop(procs: list, queue: Any, stop: Path) -> int:
    stop.write_text("stop")
    results = [queue.get(timeout=120) for _ in procs]
    _join(procs)
    failures = [f for _, fs in results for f in fs]
    assert failures == [], failures
    return sum(n for n, _ in results)


def _wait_for_documents(url: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while _scalar(url, "SELECT count(*) FROM document") < count:
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.05)


@pytest.mark.slow
def test_sqlite_backup_while_writers_are_active(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    Runner(url).ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    admin = Runner(url).as_("admin", ADMIN_PASSWORD)
    stop = tmp_path / "stop"
    procs, queue = _writers(admin, 3, stop)
    copies = []
    try:
        for i in range(3):
            _wait_for_documents(url, 5 * (i + 1))
            copies.append(tmp_path / f"copy{i}.db")
            admin.ok("db", "backup", str(copies[-1]))
    finally:
        written = _stop(procs, queue, stop)
    assert len(_seqs(url, "BBT", "KH")) == written
    # each copy is a sound database on its own: checks, chain, gapless register
    sizes = []
    for copy in copies:
        copy_admin = Runner(f"sqlite:///{copy}").as_("admin", ADMIN_PASSWORD)
        _assert_sound(copy_admin)
        seqs = _seqs(copy_admin.url, "BBT", "KH")
        _assert_gapless(seqs)
        assert len(seqs) == _audit_count(copy_admin.url, "document.issue")
        sizes.append(len(seqs))
    assert sizes == sorted(sizes) and sizes[-1] < written
    # restoring the last copy over the live database gives that copy back, sound
    admin.ok("db", "restore", str(copies[-1]))
    assert len(_seqs(url, "BBT", "KH")) == sizes[-1]
    _assert_sound(admin)
    nxt = admin.ok("doc", "issue", "--type", "KH", "--issuer", "BBT", "--title", "x").stdout
    assert int(nxt.split("-")[0]) == sizes[-1] + 1


def _pg_plain(url: str) -> str:
    return url.split("?", 1)[0].replace("+psycopg", "")


@pytest.fixture
def pg_admin() -> Iterator[Bbt]:
    """An initialised PostgreSQL schema (for the pg_dump route only), acting as its admin."""
    import shutil

    for url in _pg_schema_url():
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            pytest.skip("pg_dump/pg_restore are not installed")
        Runner(url).ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
        yield Runner(url).as_("admin", ADMIN_PASSWORD)


@pytest.mark.slow
def test_postgresql_backup_while_writers_are_active(pg_admin: Bbt, tmp_path: Path) -> None:
    """The pg_dump route: a dump taken under load restores to a sound database, and both
    touch only BBT's own schema, not other schemas of the same database."""
    import psycopg

    bbt = pg_admin

    bystander = f"bystander_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    plain = _pg_plain(bbt.url)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{bystander}"')
        conn.execute(f'CREATE TABLE "{bystander}".note (id int)')
        conn.execute(f'INSERT INTO "{bystander}".note VALUES (1)')
    try:
        stop = tmp_path / "stop"
        procs, queue = _writers(bbt, 3, stop)
        dump = tmp_path / "bbt.dump"
        try:
            _wait_for_documents(bbt.url, 8)
            bbt.ok("db", "backup", str(dump))
        finally:
            written = _stop(procs, queue, stop)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'INSERT INTO "{bystander}".note VALUES (2)')
        listing = os.popen(f"pg_restore -l {dump}").read()
        assert bystander not in listing  # the dump holds BBT's schema only
        bbt.ok("db", "restore", str(dump))
        restored = _seqs(bbt.url, "BBT", "KH")
        _assert_gapless(restored)
        assert 8 <= len(restored) < written + 1
        assert len(restored) == _audit_count(bbt.url, "document.issue")
        _assert_sound(bbt)
        with psycopg.connect(plain, autocommit=True) as conn:
            notes = conn.execute(f'SELECT count(*) FROM "{bystander}".note').fetchone()
        assert notes == (2,)  # the restore left the other schema alone
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{bystander}" CASCADE')


# ---------------------------------------------------------------- imports under load and faults

ARTICLE_HEADER = "title,kind,unit,author,photos,status,submitted,published,url\n"


def _articles_file(path: Path, rows: int, prefix: str = "Tin") -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write(ARTICLE_HEADER)
        for i in range(rows):
            f.write(f"{prefix} số {i},news,BBT,Cộng tác viên,{i % 7},published,2022-05-01,"
                    f"2022-05-0{1 + i % 9},\n")
    return path


def _import_and_hang(url: str, path: str, marker: str) -> None:
    """Import through the CLI, and stop for good once every row is written but not yet
    committed (the import's own audit entry is the last thing before the commit)."""
    from domain import audit

    real = audit.record

    def hang(*args: Any, **kwargs: Any) -> Any:
        entry = real(*args, **kwargs)
        if args[2] == "import":
            Path(marker).write_text("written")
            time.sleep(600)
        return entry

    audit.record = hang  # type: ignore[assignment]
    Runner(url).as_("admin", ADMIN_PASSWORD)("import", "articles", path)


def _import(url: str, path: str, barrier: Any, queue: Any) -> None:
    """Import through the CLI. With a barrier, every process checks the file against the
    database before any of them writes: the worst interleaving, made certain. (Where the
    database serialises imports, the barrier times out and they go one after another.)"""
    import threading

    from domain.imports_base import Handler

    plan = Handler.plan

    def plan_then_wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        planned = plan(self, *args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return planned

    if barrier is not None:
        Handler.plan = plan_then_wait  # type: ignore[method-assign]
    result = Runner(url).as_("admin", ADMIN_PASSWORD)("import", "articles", path, "--json")
    queue.put((result.exit_code, result.stdout if result.exit_code == 0 else result.stderr))


@pytest.mark.slow
def test_sigkill_during_a_large_import_keeps_none_of_it(cli: Runner, tmp_path: Path) -> None:
    source = _articles_file(tmp_path / "articles.csv", 30_000)
    entries = _audit_count(cli.url)
    marker = tmp_path / "written"
    _start_and_kill(_import_and_hang, (cli.url, str(source), str(marker)), marker, 0.1)
    if cli.url.startswith("sqlite"):
        assert Path(cli.url.split("///", 1)[1] + "-wal").stat().st_size > 1_000_000
    assert _scalar(cli.url, "SELECT count(*) FROM article") == 0
    assert _audit_count(cli.url) == entries
    _assert_sound(cli)
    # the same file imported afterwards goes in whole, once
    queue = PROCESSES.Queue()
    _import(cli.url, str(source), None, queue)
    code, out = queue.get(timeout=60)
    assert code == 0 and '"inserted": 30000' in out, out
    assert _scalar(cli.url, "SELECT count(*) FROM article") == 30_000


def _concurrent_imports(cli: Runner, source: Path, count: int) -> list[tuple[int, str]]:
    barrier, queue = PROCESSES.Barrier(count), PROCESSES.Queue()
    procs = [PROCESSES.Process(target=_import, args=(cli.url, str(source), barrier, queue))
             for _ in range(count)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    _join(procs)
    return results


@pytest.mark.slow
def test_the_same_file_imported_by_three_processes_at_once(cli: Runner, tmp_path: Path) -> None:
    """Idempotent imports stay idempotent when they race: the rows go in once."""
    source = _articles_file(tmp_path / "same.csv", 300)
    results = _concurrent_imports(cli, source, 3)
    for code, message in results:
        assert code in (0, 1) and "Traceback" not in message and "locked" not in message
    assert _scalar(cli.url, "SELECT count(*) FROM article") == 300
    assert _audit_count(cli.url, "import") == 1  # one import wrote; the others found it there
    _assert_sound(cli)


def _issue_documents(url: str, count: int, barrier: Any, queue: Any) -> None:
    runner = Runner(url).as_("admin", ADMIN_PASSWORD)
    barrier.wait(timeout=60)
    results = [runner("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title",
                      f"Công văn mới {i}", "--date", "2022-06-01") for i in range(count)]
    queue.put([(r.exit_code, r.stdout.strip() or r.stderr.strip()) for r in results])


def _import_documents(url: str, path: str, barrier: Any, queue: Any) -> None:
    runner = Runner(url).as_("admin", ADMIN_PASSWORD)
    barrier.wait(timeout=60)
    result = runner("import", "documents", path, "--json")
    queue.put([(result.exit_code, result.stdout if result.exit_code == 0 else result.stderr)])


@pytest.mark.slow
def test_importing_a_register_while_numbers_are_issued(cli: Runner, tmp_path: Path) -> None:
    """A register imported (numbers 1-40) while an operator issues new numbers in the same
    register: no number twice, no gap, and each side either whole or refused in a sentence."""
    source = tmp_path / "register.csv"
    with source.open("w", encoding="utf-8") as f:
        f.write("number,type,issuer,date,title,direction\n")
        for n in range(1, 41):
            f.write(f"{n}-CV/BBT,CV,BBT,2022-05-{1 + n % 28:02d},Công văn cũ {n},outgoing\n")
    barrier, queue = PROCESSES.Barrier(2), PROCESSES.Queue()
    procs = [PROCESSES.Process(target=_import_documents, args=(cli.url, str(source), barrier,
                                                              queue)),
             PROCESSES.Process(target=_issue_documents, args=(cli.url, 10, barrier, queue))]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get(timeout=120)]
    _join(procs)
    for code, message in results:
        assert code in (0, 1), message
        assert "Traceback" not in message and "locked" not in message, message
    seqs = _seqs(cli.url, "BBT", "CV")
    _assert_gapless(seqs)
    counter = _scalar(cli.url, "SELECT value FROM register_counter WHERE series = 'CV'")
    assert counter == len(seqs)
    imported = _scalar(cli.url, "SELECT count(*) FROM document WHERE title LIKE 'Công văn cũ%'")
    assert imported in (0, 40)  # all of the file or none of it
    _assert_sound(cli)


def _report_and_hang(url: str, output: str, marker: str) -> None:
    """Print and register a report, stopping for good while it is rendered: the number is
    taken and the document written, but nothing is committed."""
    from domain import report_render

    def hang(*args: Any, **kwargs: Any) -> Any:
        Path(marker).write_text("rendering")
        time.sleep(600)

    report_render.render = hang  # type: ignore[assignment]
    Runner(url).as_("admin", ADMIN_PASSWORD)("report", "monthly", "--year", "2022", "--month",
                                             "6", "--date", "2022-06-30", "-o", output)


@pytest.mark.slow
def test_sigkill_while_a_report_is_registered_gives_the_number_back(
        cli: Runner, tmp_path: Path) -> None:
    output, marker = tmp_path / "report.md", tmp_path / "rendering"
    entries = _audit_count(cli.url)
    _start_and_kill(_report_and_hang, (cli.url, str(output), str(marker)), marker, 0.1)
    assert not output.exists()
    assert _seqs(cli.url, "BBT", "BC") == []
    assert _audit_count(cli.url) == entries
    _assert_sound(cli)
    done = cli.ok("report", "monthly", "--year", "2022", "--month", "6", "--date", "2022-06-30",
                  "-o", str(output)).stdout
    assert "01-BC/BBT" in done and output.exists()
    _assert_gapless(_seqs(cli.url, "BBT", "BC"))


def _move_article(url: str, article: int, action: str, barrier: Any, queue: Any) -> None:
    """Move an article, with both editors reading it before either writes (the worst
    interleaving, made certain; where the database serialises them the barrier times out)."""
    import threading

    from domain import articles

    read = articles.get

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return found

    articles.get = read_then_wait  # type: ignore[assignment]
    extra = ["--on", "2022-06-02"] if action == "publish" else []
    result = Runner(url).as_("admin", ADMIN_PASSWORD)("article", action, str(article), *extra)
    queue.put((action, result.exit_code, result.stderr.strip()))


@pytest.mark.slow
def test_two_editors_publish_and_reject_one_article_at_once(cli: Runner) -> None:
    """One approved article, published by one editor and rejected by another at the same
    moment: one of them wins, the other is told, and the history has one step."""
    article = cli.ok("article", "add", "--title", "Tin tranh chấp", "--kind", "news", "--unit",
                     "BBT", "--submitted", "2022-06-01").stdout.strip()
    cli.ok("article", "review", article)
    cli.ok("article", "approve", article)
    barrier, queue = PROCESSES.Barrier(2), PROCESSES.Queue()
    procs = [PROCESSES.Process(target=_move_article, args=(cli.url, int(article), action,
                                                          barrier, queue))
             for action in ("publish", "reject")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    _join(procs)
    assert sorted(code for _, code, _ in results) == [0, 1], results
    winner = next(action for action, code, _ in results if code == 0)
    events = _rows(cli.url, "SELECT from_status, to_status FROM article_event "
                   "WHERE article_id = :a ORDER BY id", a=int(article))
    assert events[-1] == ("approved", {"publish": "published", "reject": "rejected"}[winner])
    assert len(events) == 4  # added, reviewed, approved, and one final step
    _assert_sound(cli)
