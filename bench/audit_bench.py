"""The audit chain at a million entries: `audit verify` (hash chain and RFC 9162 Merkle
root, streamed in keyset pages) and `audit prove` (a consistency proof from an anchor taken
at half the length), timed and their memory measured in a fresh process, beside the bare
floor (the same rows read by the driver, one SHA-256 each) and `bbt audit verify` end to end.

    .venv/bin/python -m bench.audit_bench                      # 1,000,000 entries, SQLite
    .venv/bin/python -m bench.audit_bench --entries 100000
    .venv/bin/python -m bench.audit_bench --db postgresql+psycopg://postgres@127.0.0.1/bbt_bench

Target (issues 12, 13): verify within 10 s and 100 MB for a million entries. The chain is
written by bench.generate's loader (`load_audit`: each entry hashed by domain.audit's own
entry_hash, bulk inserts), half of it, then the anchor, then the rest.

Peak memory is VmHWM of /proc/self/status: a child's ru_maxrss would include this process's
peak, which Linux carries across fork and exec (the 118 MB once recorded here was that).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from bench.common import ADMIN, ADMIN_PASSWORD, OUT, PYTHON, ROOT, bbt_env

TARGET_SECONDS = 10.0
TARGET_MB = 100.0

_PEAK = r"""
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# Runs in a new interpreter, so that its peak memory is the verification's own (plus imports,
# which are measured first and reported apart).
_MEASURE = _PEAK + r"""
import hashlib, json, sys, time
from sqlmodel import Session
from domain import audit
from domain.db import get_engine
engine = get_engine(sys.argv[1])
with Session(engine) as session:
    session.exec(audit.select(audit.AuditHead)).first()
imports = peak_mb()

t0, c0 = time.perf_counter(), time.process_time()
with Session(engine) as session:
    verdict = audit.verify(session)
t1, c1 = time.perf_counter(), time.process_time()
after_verify = peak_mb()
old = audit.Anchor(**json.loads(sys.argv[2]))
with Session(engine) as session:
    proof = audit.prove(session, old)
t2, c2 = time.perf_counter(), time.process_time()

# The floor, last (its memory is not the verification's): the same rows through the driver
# (a server-side cursor on PostgreSQL), one SHA-256 each, nothing kept.
with Session(engine) as session:
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor(name="floor") if engine.dialect.name == "postgresql" else raw.cursor()
    floor_start = time.process_time()
    cursor.execute("SELECT id, at, actor, action, entity, entity_key, detail, prev_hash, hash "
                   "FROM audit_entry ORDER BY id")
    while rows := cursor.fetchmany(5000):
        for row in rows:
            hashlib.sha256((row[7] + row[6]).encode()).hexdigest()
    floor_cpu = time.process_time() - floor_start
print(json.dumps({"ok": verdict.ok, "entries": verdict.checked, "verify_s": t1 - t0,
                  "verify_cpu_s": c1 - c0, "floor_cpu_s": floor_cpu,
                  "rss_imports_mb": imports, "rss_peak_verify_mb": after_verify,
                  "prove_s": t2 - t1, "prove_cpu_s": c2 - c1,
                  "proof_hashes": len(proof.proof), "consistent": proof.ok}))
"""

# `bbt audit verify` as a user runs it (start-up and login included), reporting its peak.
_COMMAND = _PEAK + r"""
import atexit, sys
atexit.register(lambda: sys.stderr.write(f"\nVmHWM_MB {peak_mb()}\n"))
from commands.main import run
sys.argv = ["bbt", "audit", "verify"]
run()
"""


def build(url: str, entries: int) -> dict[str, object]:
    """A database with `bbt init`'s entries and `entries` more; returns the anchor taken at
    half of them."""
    from sqlmodel import Session

    from bench.generate import Loader, load_audit
    from domain import audit, bootstrap
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    with transaction(engine) as session:
        bootstrap.initialise(session, ADMIN, ADMIN_PASSWORD)
    loader = Loader(engine, quiet=False)
    load_audit(loader, entries // 2)
    with Session(engine) as session:
        anchor = audit.anchor(session).as_json()
    anchor.pop("format")
    load_audit(loader, entries - entries // 2)
    loader.finish()
    return anchor


def end_to_end(url: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak MB of `bbt audit verify` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([PYTHON, "-c", _COMMAND], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, **bbt_env(url)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"bbt audit verify exited {result.returncode}: "
                         f"{result.stderr.strip()[-500:]}")
    peak = float(result.stderr.rsplit("VmHWM_MB", 1)[1])
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="an empty database (default: a new SQLite "
                                                    "file in bench/out/)")
    args = parser.parse_args()
    url = args.db
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"audit-{args.entries}.db"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    anchor = build(url, args.entries)
    print(f"built {args.entries:,} entries in {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU (anchor included)", flush=True)
    result = subprocess.run([PYTHON, "-c", _MEASURE, url, json.dumps(anchor)], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"measurement failed: {result.stderr.strip()[-1000:]}")
    figures = json.loads(result.stdout)
    print(json.dumps(figures, indent=2))
    wall, cpu, peak = end_to_end(url)
    verify_cpu, verify_peak = figures["verify_cpu_s"], figures["rss_peak_verify_mb"]
    print(f"verify, in-process: {figures['verify_s']:.2f} s wall, {verify_cpu:.2f} s CPU "
          f"({verify_cpu / figures['floor_cpu_s']:.1f}× the driver reading the rows and "
          f"hashing each once: {figures['floor_cpu_s']:.2f} s), peak {verify_peak:.0f} MB "
          f"({verify_peak - figures['rss_imports_mb']:.0f} MB above the process after "
          f"imports)")
    print(f"`bbt audit verify` end to end: {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB")
    print(f"prove from the half-way anchor: {figures['prove_s']:.2f} s wall, "
          f"{figures['prove_cpu_s']:.2f} s CPU, {figures['proof_hashes']} hashes")
    print(f"load average {os.getloadavg()[0]:.1f}")
    met = (verify_cpu <= TARGET_SECONDS and verify_peak <= TARGET_MB and peak <= TARGET_MB)
    print(f"{'OK' if met else 'MISSED':>6}  target ≤ {TARGET_SECONDS:g} s CPU and "
          f"≤ {TARGET_MB:g} MB (in-process and end to end)")
    sys.exit(0 if figures["ok"] and figures["consistent"] else 1)


if __name__ == "__main__":
    main()
