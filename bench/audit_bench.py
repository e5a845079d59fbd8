"""The audit chain at a million entries: `audit verify` (hash chain and RFC 9162 Merkle
root, streamed in keyset pages) and `audit prove` (a consistency proof from an anchor taken
at half the length), timed and their memory measured in a fresh process.

    .venv/bin/python -m bench.audit_bench                      # 1,000,000 entries, SQLite
    .venv/bin/python -m bench.audit_bench --entries 100000
    .venv/bin/python -m bench.audit_bench --db postgresql+psycopg://postgres@127.0.0.1/bbt_bench

Target (issue 12): verify within 10 s and 100 MB for a million entries. The chain is
written directly (valid hashes, one bulk insert per 20,000 entries) so that building it takes
seconds, not the hours a million commands would.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bench.common import OUT, PYTHON, ROOT

BATCH = 20_000

# Runs in a new interpreter, so that its peak RSS is the verification's own (plus imports,
# which are measured first and reported apart).
_MEASURE = r"""
import json, resource, sys, time
from sqlmodel import Session
from domain import audit
from domain.db import get_engine
engine = get_engine(sys.argv[1])
with Session(engine) as session:
    session.exec(audit.select(audit.AuditHead)).first()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
with Session(engine) as session:
    verdict = audit.verify(session)
t1, c1 = time.perf_counter(), time.process_time()
after_verify = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
old = audit.Anchor(**json.loads(sys.argv[2]))
with Session(engine) as session:
    proof = audit.prove(session, old)
t2 = time.perf_counter()
print(json.dumps({"ok": verdict.ok, "entries": verdict.checked, "verify_s": t1 - t0,
                  "verify_cpu_s": c1 - c0, "rss_imports_mb": base / 1024,
                  "rss_peak_verify_mb": after_verify / 1024,
                  "prove_s": t2 - t1, "proof_hashes": len(proof.proof),
                  "consistent": proof.ok}))
"""


def build(url: str, entries: int) -> dict[str, object]:
    """A database with the genesis entry and `entries` more; returns the anchor at half."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from domain import audit, bootstrap
    from domain.db import get_engine, transaction
    from models import AuditEntry, AuditHead

    engine = get_engine(url)
    with transaction(engine) as session:
        bootstrap.initialise(session, "admin", "Bench-Quan-tri-2022")
    with Session(engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        prev, next_id = head.hash, head.last_id + 1
    start = datetime(2022, 1, 1, tzinfo=UTC)
    anchor_at = next_id + entries // 2
    anchor: dict[str, object] = {}
    last = next_id + entries - 1
    while next_id <= last:
        rows = []
        for entry_id in range(next_id, min(next_id + BATCH, last + 1)):
            row = SimpleNamespace(id=entry_id, at=start + timedelta(seconds=entry_id),
                                  actor="admin", action="document.issue", entity="document",
                                  entity_key=f"{entry_id}-CV/BBT",
                                  detail=json.dumps({"title": f"Công văn số {entry_id}"},
                                                    ensure_ascii=False),
                                  prev_hash=prev)
            row.hash = prev = audit.entry_hash(prev, row)  # type: ignore[arg-type]
            rows.append(vars(row))
        with transaction(engine) as session:
            session.execute(insert(AuditEntry), rows)
            session.execute(AuditHead.__table__.update().values(last_id=rows[-1]["id"],
                                                                 hash=prev))
        next_id = rows[-1]["id"] + 1
        if not anchor and next_id > anchor_at:
            with Session(engine) as session:
                anchor = audit.anchor(session).as_json()
                anchor.pop("format")
    return anchor


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
    t0 = time.perf_counter()
    anchor = build(url, args.entries)
    print(f"built {args.entries:,} entries in {time.perf_counter() - t0:.1f} s", flush=True)
    result = subprocess.run([PYTHON, "-c", _MEASURE, url, json.dumps(anchor)], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout)
    print(json.dumps(figures, indent=2))
    growth = figures["rss_peak_verify_mb"] - figures["rss_imports_mb"]
    print(f"verify: {figures['verify_s']:.2f} s wall, {figures['verify_cpu_s']:.2f} s CPU, "
          f"peak RSS {figures['rss_peak_verify_mb']:.0f} MB ({growth:.0f} MB above the "
          f"process after imports); prove from the half-way anchor: {figures['prove_s']:.2f} s, "
          f"{figures['proof_hashes']} hashes")
    sys.exit(0 if figures["ok"] and figures["consistent"] else 1)


if __name__ == "__main__":
    main()
