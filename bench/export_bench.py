"""`bbt export` of the largest tables: peak memory and CPU against an export of a tiny one.

    .venv/bin/python -m bench.export_bench                       # province scale 1.0
    .venv/bin/python -m bench.export_bench --scale 0.1 --formats csv json
    .venv/bin/python -m bench.export_bench --province sqlite:///bench/out/p01.db

Each export runs as the user runs it (`bbt export KIND -o FILE`, a fresh process); its peak
RSS and CPU (user + system) come from wait4, for that process alone. The baseline is the
export of the 120 visitor counts in the same format, in the same run: its peak is what
start-up, login and the first query cost, so the ratio shows what the rows themselves add.
Target (issue 13): every export within 200 MB whatever its size. Exit 2 on a failed
command, 1 when a peak exceeds the target.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench import common

TARGET_MB = 200.0


def run(url: str, kind: str, fmt: str) -> tuple[float, float, float, int]:
    """CPU seconds, wall seconds, peak RSS in MB and the file's size of one export."""
    target = common.OUT / f"export-{kind}.{fmt}"
    argv = common.bbt_argv("export", kind, "-o", str(target), "--force")
    started = time.perf_counter()
    child = subprocess.Popen(argv, env={**os.environ, **common.bbt_env(url)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=common.ROOT)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    error = child.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"`bbt export {kind}` failed: {error.strip()}", file=sys.stderr)
        raise SystemExit(2)
    size = target.stat().st_size
    target.unlink()
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, size


def main() -> None:
    parser = common.province_options(argparse.ArgumentParser(description=__doc__), repeat=1)
    parser.add_argument("--kinds", nargs="+", default=["deliveries", "articles", "documents"])
    parser.add_argument("--formats", nargs="+", default=["csv", "json", "xlsx"])
    args = parser.parse_args()
    url = args.province or common.province_db(args.scale)
    print(f"load average {os.getloadavg()[0]:.1f}; {url}")
    print(f"{'export':<22} {'CPU s':>8} {'wall s':>8} {'peak MB':>8} {'× base':>7} {'file MB':>8}")
    missed = False
    for fmt in args.formats:
        base_cpu, _wall, base_rss, _size = run(url, "visits", fmt)
        print(f"{'visits (baseline) ' + fmt:<22} {base_cpu:8.2f} {_wall:8.2f} {base_rss:8.1f}")
        for kind in args.kinds:
            cpu, wall, rss, size = run(url, kind, fmt)
            verdict = "OK" if rss <= TARGET_MB else "MISSED"
            missed |= rss > TARGET_MB
            print(f"{kind + ' ' + fmt:<22} {cpu:8.2f} {wall:8.2f} {rss:8.1f} "
                  f"{rss / base_rss:6.2f}× {size / 1e6:8.1f}  {verdict} (≤ {TARGET_MB:g} MB)")
    raise SystemExit(1 if missed else 0)


if __name__ == "__main__":
    main()
