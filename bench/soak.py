"""Soak test: 32 simulated operators across a province's districts for N minutes, doing
what district offices do all day, then the integrity and audit checks (issues 8 and 17; a
benchmark, not part of CI).

    .venv/bin/python -m bench.soak --db postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python -m bench.soak --seconds 10 --writers 4     # a quick look
    .venv/bin/python -m bench.soak --writers 8 --districts 1    # SQLite, one shared register

The operators are spread over --districts districts of Lâm Đồng (bench/province_data.py:
Bảo Lâm's office VPHU, Đà Lạt's VPHU-DL, ...), several per district, so each district's
registers are drawn from by several processes at once, as on a shared provincial server.
Each writer is one process (as each `bbt serve` session and each command is), logs in as
its own operator, unit clerk and editor, and runs `bbt` commands
in-process (the same command tree, login and error handling as the console script, without
an interpreter start per command): issue, send, acknowledge, finish, register incoming mail,
seal, articles through the workflow, small article imports (each file twice: the second
time changes nothing), visitor counts and data entry on shared rows, and reads. Two writers
race to finish the same deliveries on purpose: the loser must be told ("already finished" or
"someone else changed"), which is counted as a refusal, not an error. Anything else that
fails is an error; zero are expected. Every minute the monitor takes `bbt db backup` while
the writers run and checks the copy (SQLite).

At the end: `bbt db check` (PRAGMA integrity_check and foreign keys on SQLite), `bbt audit
verify`, every district's outgoing and incoming registers gapless (1..n, no number lost or
twice), every number a writer was handed stored once and handed to no one else, and the audit
chain holding exactly one entry per successful change of each kind. The p50/p95/max of each
command is printed. Exit 0 when all hold and no error was seen.

PostgreSQL: the run gets its own schema in the given database (dropped at the end unless
--keep), so it never touches anything else there; its connections carry an application name
of their own, so the monitor counts the peak number the writers held (each process's
SQLAlchemy pool: BBT_DB_POOL_SIZE and BBT_DB_MAX_OVERFLOW, domain/db.py).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "Soak-Mat-khau-2022"  # benchmark data only, never a real password
PASSPHRASE = "Soak-cum-tu-bi-mat-2022"
DOC_TYPE = "TB"  # the writers of a district draw numbers from its office's TB register
EXPECTED_REFUSALS = ("already has", "already finished", "Someone else changed")

# operation -> weight; each writer draws from these
WEIGHTS = {
    "issue": 3, "send": 2, "ack": 2, "done": 2, "race_done": 1, "receive": 1, "sign": 0.3,
    "article_add": 2, "article_move": 3, "import_articles": 0.2, "visits": 1,
    "dataentry": 1, "read": 2,
}
# the audit action each successful change records (reads and imports aside)
AUDITED = {"issue": "document.issue", "send": "document.send", "ack": "delivery.ack",
           "done": "delivery.done", "race_done": "delivery.done", "receive": "document.receive",
           "sign": "document.sign", "article_add": "article.add"}


# --- running `bbt` in-process --------------------------------------------------------------

class Cli:
    """`bbt` as the console script runs it (commands.main.run), with the command tree built
    once per process instead of once per command."""

    def __init__(self, url: str) -> None:
        from typer.main import get_command

        from commands.main import app

        self.url = url
        self.command = get_command(app)

    def __call__(self, user: str, *args: str, env: dict[str, str] | None = None
                 ) -> tuple[int, str, str]:
        from commands.common import state
        from commands.main import _describe

        state.actor = None
        os.environ.update({"BBT_USER": user, "BBT_PASSWORD": PASSWORD, **(env or {})})
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                self.command.main(["--db", self.url, *args], prog_name="bbt",
                                  standalone_mode=True)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception as exc:  # what run() turns into one line on stderr
                code, message = _describe(exc)
                err.write(message + "\n")
        for name in (env or {}):
            os.environ.pop(name, None)
        return code, out.getvalue(), err.getvalue()


# --- one writer ----------------------------------------------------------------------------

@dataclass
class Tally:
    done: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    numbers: list[str] = field(default_factory=list)  # the numbers `doc issue` handed out
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # the writer process's CPU time per command: what a command costs, whatever the load
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def as_dict(self) -> dict[str, Any]:
        return {"done": dict(self.done), "refused": dict(self.refused), "errors": self.errors,
                "error_count": self.error_count, "latency": dict(self.latency),
                "cpu": dict(self.cpu),
                "numbers": self.numbers}


@dataclass(frozen=True)
class District:
    name: str
    committee: str  # HU, HU-DL, ...
    office: str  # VPHU, VPHU-DL, ...: the operators' unit and the registers' issuer
    board: str  # BBT, BBT-DL, ...: the editors' unit


def districts(count: int) -> list[District]:
    """The first `count` districts and cities of the province (the provincial agencies'
    block has no editorial board)."""
    from bench.generate import block_code
    from bench.province_data import BLOCKS

    found = [District(b.name, *(block_code(base, b) for base in ("HU", "VPHU", "BBT")))
             for b in BLOCKS if b.level != "khối"]
    if not 1 <= count <= len(found):
        sys.exit(f"--districts takes 1 to {len(found)}.")
    return found[:count]


class Writer:
    def __init__(self, url: str, index: int, writers: int, district: District, seed: int,
                 workdir: Path) -> None:
        self.cli = Cli(url)
        self.i, self.rng, self.workdir = index, random.Random(seed * 1000 + index), workdir
        self.unit, self.next_unit = f"W{index}", f"W{(index + 1) % writers}"
        self.issuer = district.office
        self.operator, self.clerk, self.editor = f"op{index}", f"vt{index}", f"bt{index}"
        self.tally = Tally()
        self.issued: list[str] = []
        self.unsent: list[str] = []
        self.sent: list[str] = []
        self.articles: dict[str, str] = {}  # id -> status
        self.received = 0
        self.imports = 0

    def run(self, deadline: float) -> Tally:
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < deadline:
            getattr(self, self.rng.choices(names, weights)[0])()
        return self.tally

    def call(self, op: str, user: str, *args: str, env: dict[str, str] | None = None
             ) -> str | None:
        """Run one command; count it; return stdout when it succeeded."""
        start, cpu = time.perf_counter(), time.process_time()
        code, out, err = self.cli(user, *args, env=env)
        self.tally.latency[op].append(time.perf_counter() - start)
        self.tally.cpu[op].append(time.process_time() - cpu)
        if code == 0:
            self.tally.done[op] += 1
            return out
        message = (err.strip() or out.strip()).splitlines()[-1:] or [f"exit {code}"]
        if code == 1 and any(r in message[0] for r in EXPECTED_REFUSALS):
            self.tally.refused[op] += 1
        else:
            self.tally.error_count += 1
            if len(self.tally.errors) < 20:
                self.tally.errors.append(f"{op} ({' '.join(args[:3])}): exit {code}: "
                                         f"{message[0]}")
        return None

    # the operations (a writer draws one at random; some find nothing to act on)

    def issue(self) -> bool:
        out = self.call("issue", self.operator, "doc", "issue", "--type", DOC_TYPE, "--issuer",
                        self.issuer, "--title",
                        f"Thông báo của tổ {self.i} số {len(self.issued)}",
                        "--urgency", self.rng.choice(["normal", "urgent"]))
        if out:
            self.tally.numbers.append(out.strip())
            self.issued.append(out.strip())
            self.unsent.append(out.strip())
        return True

    def send(self) -> bool | None:
        if not self.unsent:
            return None
        number = self.unsent.pop(0)
        if self.call("send", self.operator, "doc", "send", number, "--to", self.unit, "--to",
                     self.next_unit, "--purpose", "act", "--due", "2030-12-31"):
            self.sent.append(number)
        return True

    def _first(self, status: str) -> str | None:
        out = self.call("read", self.clerk, "doc", "inbox", "--json")
        rows = json.loads(out) if out else []
        return next((r["number"] for r in rows if r["status"] == status), None)

    def ack(self) -> bool | None:
        number = self._first("sent")
        if number is None:
            return None
        self.call("ack", self.clerk, "doc", "ack", number, "--unit", self.unit)
        return True

    def done(self) -> bool | None:
        number = self._first("received") or self._first("sent")
        if number is None:
            return None
        self.call("done", self.clerk, "doc", "done", number, "--unit", self.unit,
                  "--note", "Đã xử lý")
        return True

    def race_done(self) -> bool | None:
        """Finish a delivery to the next writer's unit, which its own clerk may be finishing
        at the same moment: one of the two must be told."""
        if not self.sent:
            return None
        number = self.rng.choice(self.sent[-5:])
        self.call("race_done", self.operator, "doc", "done", number, "--unit", self.next_unit,
                  "--note", "Văn phòng xử lý thay")
        return True

    def receive(self) -> bool:
        self.received += 1
        self.call("receive", self.operator, "doc", "receive", "--number",
                  f"{self.i * 10_000 + self.received}-CV/TU", "--from", "TU", "--date",
                  "2022-06-01", "--title", "Công văn của Tỉnh ủy", "--to", self.issuer)
        return True

    def sign(self) -> bool | None:
        if not self.issued:
            return None
        self.call("sign", self.operator, "doc", "sign", self.rng.choice(self.issued[-10:]),
                  env={"BBT_KEY_PASSPHRASE": PASSPHRASE})
        return True

    def article_add(self) -> bool:
        out = self.call("article_add", self.editor, "article", "add", "--title",
                        f"Tin của tổ {self.i} số {len(self.articles)}", "--kind",
                        self.rng.choice(["news", "feature"]), "--unit", self.unit,
                        "--photos", str(self.rng.randint(0, 6)), "--submitted", "2022-06-01")
        if out:
            self.articles[out.strip()] = "submitted"
        return True

    def article_move(self) -> bool | None:
        moves = {"submitted": ["review", "reject"], "editing": ["approve", "reject"],
                 "approved": ["publish"]}
        open_ = [a for a, s in self.articles.items() if s in moves]
        if not open_:
            return None
        article = self.rng.choice(open_)
        action = self.rng.choice(moves[self.articles[article]])
        extra = ["--on", "2022-06-15"] if action == "publish" else []
        if self.call(f"article_{action}", self.editor, "article", action, article, *extra):
            self.articles[article] = {"review": "editing", "approve": "approved",
                                      "publish": "published", "reject": "rejected"}[action]
        return True

    def import_articles(self) -> bool:
        """A small file, imported twice: the second time must change nothing."""
        self.imports += 1
        path = self.workdir / f"articles-{self.i}-{self.imports}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as f:
            out = csv.writer(f)
            out.writerow(["title", "kind", "unit", "author", "photos", "status", "submitted",
                          "published", "url"])
            for n in range(5):
                out.writerow([f"Nhập {self.i}.{self.imports}.{n}", "news", self.unit, "CTV",
                              n, "published", "2022-05-02", "2022-05-03", ""])
        first = self.call("import_articles", self.editor, "import", "articles", str(path),
                          "--json")
        again = self.call("import_articles", self.editor, "import", "articles", str(path),
                          "--json")
        if first and again:
            counts = json.loads(first), json.loads(again)
            if (counts[0]["inserted"], counts[1]["unchanged"], counts[1]["inserted"]) != (5, 5, 0):
                self.tally.error_count += 1
                self.tally.errors.append(f"import not idempotent: {counts}")
        return True

    def visits(self) -> bool:
        month = f"2022-{self.rng.randint(1, 6):02d}"  # a few shared rows: contended updates
        self.call("visits", self.editor, "visits", "set", month, str(self.rng.randint(500, 1500)))
        return True

    def dataentry(self) -> bool:
        self.call("dataentry", self.operator, "dataentry", "set", "--unit",
                  self.rng.choice([self.unit, self.next_unit]), "--subsystem", "Khối Đảng",
                  "--period", str(self.rng.randint(2015, 2021)), "--status",
                  self.rng.choice(["entered", "synced", "missing"]))
        return True

    def read(self) -> bool:
        args = self.rng.choice([("doc", "list", "--search", "thong bao", "--limit", "50",
                                 "--json"),
                                ("stats", "monthly", "--year", "2022", "--json"),
                                ("doc", "late", "--json"), ("article", "list", "--json")])
        self.call("read", self.clerk if args[0] == "doc" else self.editor, *args)
        return True


def writer_main(url: str, index: int, writers: int, district: District, seed: int,
                workdir: str, ready: Any, seconds: float, queue: Any) -> None:
    os.environ["BBT_LANG"] = "en"  # refusals are recognised by their English wording
    writer = Writer(url, index, writers, district, seed, Path(workdir))
    writer.cli(writer.clerk, "doc", "inbox", "--json")  # warm up: imports, engine (not counted)
    ready.wait()  # all writers start together, warmed up, however long that took
    try:
        tally = writer.run(time.monotonic() + seconds)
    except BaseException as exc:  # the writer itself broke: report it, do not hang
        tally = writer.tally
        tally.error_count += 1
        tally.errors.append(f"writer {index} crashed: {type(exc).__name__}: {exc}")
    queue.put(tally.as_dict())


# --- setup, monitor, checks ----------------------------------------------------------------

def prepare(url: str, writers: int, places: list[District]) -> None:
    """The database, the districts' committees, offices and boards, a grassroots unit and
    three accounts per writer, and each office's signing key."""
    from domain import accounts, bootstrap, keys, units
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    with transaction(engine) as session:
        bootstrap.initialise(session, "admin", PASSWORD)
    admin = Actor("admin", "admin")
    with transaction(engine) as session:
        units.add(session, admin, "TU", "Tỉnh ủy", "committee")
        for place in places:
            units.add(session, admin, place.committee, f"Huyện ủy {place.name}", "committee",
                      "TU")
            units.add(session, admin, place.office, f"Văn phòng Huyện ủy {place.name}", "office",
                      place.committee)
            if place.board != "BBT":  # Bảo Lâm's board is the one `bbt init` made
                units.add(session, admin, place.board, f"Ban Biên tập {place.name}", "board",
                          place.committee)
            keys.create(session, admin, place.office, PASSPHRASE)
        for i in range(writers):
            place = places[i % len(places)]
            units.add(session, admin, f"W{i}", f"Tổ chức cơ sở {i}, {place.name}", "grassroots",
                      place.committee)
            for name, role, unit in ((f"op{i}", "operator", place.office),
                                     (f"vt{i}", "clerk", f"W{i}"),
                                     (f"bt{i}", "editor", place.board)):
                accounts.add(session, admin, name, unit, role, password=PASSWORD)


def audit_counts(url: str) -> Counter:
    from sqlalchemy import text

    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return Counter(dict(conn.execute(text(
            "SELECT action, count(*) FROM audit_entry GROUP BY action")).all()))


def registers(url: str, places: list[District]) -> dict[str, list[tuple[int, str]]]:
    """Each district office's outgoing TB register and incoming register: (sequence,
    number) in sequence order."""
    from sqlalchemy import text

    from domain.db import get_engine

    found: dict[str, list[tuple[int, str]]] = {}
    with get_engine(url).connect() as conn:
        for place in places:
            found[f"{place.office} outgoing"] = [tuple(r) for r in conn.execute(text(
                "SELECT d.seq, d.number FROM document d JOIN unit u ON u.id = d.issuer_id "
                "WHERE u.code = :i AND d.doc_type = :t AND d.direction = 'outgoing' "
                "ORDER BY d.seq"), {"i": place.office, "t": DOC_TYPE})]
            found[f"{place.office} incoming"] = [tuple(r) for r in conn.execute(text(
                "SELECT d.incoming_number, d.number FROM document d JOIN unit u "
                "ON u.id = d.recipient_id WHERE u.code = :i ORDER BY d.incoming_number"),
                {"i": place.office})]
    return found


def check_backup(path: Path) -> str:
    """A copy taken under load must pass the same checks as the live database."""
    cli = Cli(f"sqlite:///{path}")
    results = [cli("admin", "db", "check"), cli("admin", "audit", "verify")]
    bad = [err.strip() for code, _, err in results if code != 0]
    return "ok" if not bad else "; ".join(bad)


def final_checks(url: str, places: list[District], tallies: list[dict[str, Any]],
                 before: Counter) -> dict[str, str]:
    totals: Counter = sum((Counter(t["done"]) for t in tallies), Counter())
    cli = Cli(url)
    checks: dict[str, str] = {}
    for name, args in (("db check", ("db", "check")), ("audit verify", ("audit", "verify"))):
        code, out, err = cli("admin", *args)
        checks[name] = out.strip() if code == 0 else f"FAILED: {err.strip()}"
    books = registers(url, places)
    for name, rows in books.items():
        seqs = [seq for seq, _ in rows]
        ok = seqs == list(range(1, len(seqs) + 1))
        checks[name] = f"ok (1..{len(seqs)})" if ok else f"FAILED: {len(seqs)} numbers, not 1..n"
    handed = Counter(n for t in tallies for n in t["numbers"])
    twice = [n for n, times in handed.items() if times > 1]
    stored = Counter(number for name, rows in books.items() if name.endswith("outgoing")
                     for _, number in rows)
    checks["numbers handed out once"] = (f"ok ({len(handed)})" if not twice
                                         else f"FAILED: handed out twice: {twice[:5]}")
    checks["handed out = stored"] = ("ok" if set(handed) == set(stored) and
                                     max(stored.values(), default=1) == 1
                                     else f"FAILED: {len(set(handed) ^ set(stored))} differ")
    after = audit_counts(url)
    expected: Counter = Counter()
    for op, action in AUDITED.items():
        expected[action] += totals[op]
    for action, count in sorted(expected.items()):
        got = after[action] - before[action]
        checks[f"audit {action}"] = (f"ok ({got})" if got == count
                                     else f"FAILED: {got} entries for {count} changes")
    return checks


# --- the run -------------------------------------------------------------------------------

def database(args: argparse.Namespace, stamp: str) -> tuple[str, Any]:
    """The URL to soak, and how to clean up after."""
    if args.db and args.db.startswith("postgresql"):
        import psycopg

        schema = f"soak_{stamp}"
        plain = args.db.replace("+psycopg", "").split("?", 1)[0]
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = (f"{args.db.split('?', 1)[0]}?options=-csearch_path%3D{schema}"
               f"&application_name={schema}")

        def drop() -> None:
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

        return url, (None if args.keep else drop)
    path = Path(args.db.split("///", 1)[1]) if args.db else OUT / f"soak-{stamp}.db"
    if path.exists():
        sys.exit(f"{path} exists; the soak test starts from an empty database.")
    path.parent.mkdir(parents=True, exist_ok=True)

    def remove() -> None:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()

    return f"sqlite:///{path}", (None if args.keep else remove)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


@dataclass
class Watch:
    """What the monitor saw while the writers ran."""

    backups: list[tuple[float, str]] = field(default_factory=list)
    connections: int = 0  # the most PostgreSQL connections the run held at once
    max_connections: int = 0
    load: list[float] = field(default_factory=list)  # 1-minute load average, sampled


def report(args: argparse.Namespace, url: str, seconds: float, tallies: list[dict[str, Any]],
           watch: Watch, checks: dict[str, str]) -> bool:
    done: Counter = sum((Counter(t["done"]) for t in tallies), Counter())
    refused: Counter = sum((Counter(t["refused"]) for t in tallies), Counter())
    errors = sum(t["error_count"] for t in tallies)
    latency: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for t in tallies:
        for op, values in t["latency"].items():
            latency[op] += values
        for op, values in t["cpu"].items():
            cpu[op] += values
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\nSoak test: {args.writers} writers in {args.districts} districts for "
          f"{seconds / 60:.1f} min on {engine}")
    print(f"  machine: {os.cpu_count()} CPUs, 1-minute load average during the run "
          f"{min(watch.load, default=0):.1f} to {max(watch.load, default=0):.1f}")
    if watch.max_connections:
        from domain.db import pool_options

        pool = pool_options()
        print(f"  PostgreSQL connections held at once: at most {watch.connections} "
              f"(server max_connections {watch.max_connections}; each process's pool "
              f"{pool['pool_size']} + {pool['max_overflow']} overflow)")
    print(f"  commands done   {sum(done.values()):>8}  ({sum(done.values()) / seconds:.1f}/s)")
    print(f"  refused (races) {sum(refused.values()):>8}  (expected: the other writer won)")
    print(f"  errors          {errors:>8}  (zero expected)")
    print("\n  end to end (wall clock)                                 CPU of the writer")
    print("  operation          done  refused   p50 ms   p95 ms   max ms   p50 ms   p95 ms")
    for op in sorted(set(done) | set(refused)):
        values, costs = latency.get(op, []), cpu.get(op, [])
        print(f"  {op:<16} {done[op]:>6} {refused[op]:>8} "
              f"{1000 * statistics.median(values) if values else 0:>8.0f} "
              f"{1000 * percentile(values, 0.95):>8.0f} {1000 * max(values, default=0):>8.0f} "
              f"{1000 * statistics.median(costs) if costs else 0:>8.0f} "
              f"{1000 * percentile(costs, 0.95):>8.0f}")
    for t in tallies:
        for e in t["errors"]:
            print(f"  error: {e}")
    if watch.backups:
        print("\n  backups taken under load:")
        for at, verdict in watch.backups:
            print(f"    at {at:6.0f} s: {verdict}")
    print("\n  checks at the end:")
    for name, verdict in checks.items():
        print(f"    {name:<28} {verdict}")
    passed = (errors == 0 and all(not v.startswith("FAILED") for v in checks.values())
              and all(v.endswith("ok") for _, v in watch.backups))
    print(f"\n  {'PASSED' if passed else 'FAILED'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, help="the run's length in seconds instead")
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--districts", type=int, default=8,
                        help="districts the writers are spread over (1-12; default 8: four "
                        "operators per district register)")
    parser.add_argument("--db", help="postgresql+psycopg://... (a schema of its own) or "
                        "sqlite:///NEW-FILE; default bench/out/soak-*.db")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--backup-every", type=float, default=None,
                        help="seconds between backups under load (SQLite; 0: none; default: "
                        "a quarter of the run, at most 60)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    os.environ["BBT_LANG"] = "en"
    sys.path.insert(0, str(ROOT))
    stamp = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:4]
    places = districts(args.districts)
    url, cleanup = database(args, stamp)
    workdir = OUT / f"soak-{stamp}-files"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        prepare(url, args.writers, places)
        before = audit_counts(url)
        from domain.db import dispose_all

        dispose_all()  # nothing open while the writers start
        seconds = args.seconds if args.seconds else args.minutes * 60
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        ready = ctx.Barrier(args.writers + 1)
        procs = [ctx.Process(target=writer_main, args=(
                     url, i, args.writers, places[i % len(places)], args.seed, str(workdir),
                     ready, seconds, queue)) for i in range(args.writers)]
        for p in procs:
            p.start()
        ready.wait(timeout=600)
        start_at = time.time()
        watch = monitor(args, url, start_at, seconds, workdir)
        tallies = [queue.get(timeout=seconds + 300) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        checks = final_checks(url, places, tallies, before)
        passed = report(args, url, seconds, tallies, watch, checks)
    finally:
        from domain.db import dispose_all

        dispose_all()
        for f in workdir.glob("*"):
            f.unlink()
        workdir.rmdir()
        if cleanup:
            cleanup()
    return 0 if passed else 1


def monitor(args: argparse.Namespace, url: str, start_at: float, seconds: float,
            workdir: Path) -> Watch:
    """Wait out the run, taking a backup every --backup-every seconds (SQLite), counting
    the run's PostgreSQL connections and sampling the machine's load."""
    watch = Watch()
    backups = watch.backups
    count = connection_counter(url, watch)
    end = start_at + seconds
    every = min(60.0, seconds / 4) if args.backup_every is None else args.backup_every
    every = every if url.startswith("sqlite") else 0
    next_backup = start_at + every if every else end + 1
    cli = Cli(url) if every else None
    while time.time() < end:
        if cli is not None and time.time() >= next_backup:
            copy = workdir / f"backup-{len(backups)}.db"
            code, _, err = cli("admin", "db", "backup", str(copy))
            verdict = check_backup(copy) if code == 0 else f"FAILED: {err.strip()}"
            backups.append((time.time() - start_at, verdict))
            next_backup += every
        if time.time() >= start_at:
            watch.load.append(os.getloadavg()[0])
            watch.connections = max(watch.connections, count())
        time.sleep(0.5)
    return watch


def connection_counter(url: str, watch: Watch) -> Any:
    """A function that counts the connections of this run (its application name)."""
    if not url.startswith("postgresql"):
        return lambda: 0
    import psycopg

    name = url.rsplit("application_name=", 1)[1]
    conn = psycopg.connect(url.replace("+psycopg", "").split("?", 1)[0], autocommit=True)
    watch.max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])

    def count() -> int:
        return int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                "application_name = %s", (name,)).fetchone()[0])

    return count


if __name__ == "__main__":
    sys.exit(main())
