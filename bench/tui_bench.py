"""The terminal UI on a province-scale database against the demo database, measured in one
run. Targets (issue 7): launch to a usable dashboard, and to the first page of the documents
register, at most 1.5x the demo's time; peak memory within 1.5x.

    .venv/bin/python -m bench.tui_bench                  # scale 1.0, cached in bench/out
    .venv/bin/python -m bench.tui_bench --province sqlite:////path/province.db

Each measurement is a fresh process (so launch and memory are what a user's are): it starts
the app headless, logs in as the admin with the pilot, waits until the dashboard's figures
have arrived, then opens the documents register and waits for its first page. Rounds
alternate demo and province so a busy machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench import common

TARGET = 1.5


def child(url: str) -> None:
    """Runs inside the measured process."""
    start = time.perf_counter()
    import asyncio
    import resource

    from bbt_tui.app import BBTApp
    from bbt_tui.pilot import go, log_in

    async def drive() -> dict[str, float]:
        async with BBTApp(url).run_test(size=(140, 45)) as pilot:
            await log_in(pilot, common.ADMIN, common.ADMIN_PASSWORD)
            dashboard = time.perf_counter() - start
            await go(pilot, "documents")
            documents = time.perf_counter() - start
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"dashboard": dashboard, "documents": documents, "rss_mb": rss_mb}

    print(json.dumps(asyncio.run(drive())))


def measure(url: str) -> dict[str, float]:
    result = subprocess.run([common.PYTHON, "-m", "bench.tui_bench", "--child", url],
                            cwd=common.ROOT, capture_output=True, text=True,
                            env={**__import__("os").environ, "BBT_LANG": "en"})
    if result.returncode != 0:
        raise SystemExit(f"the TUI run failed: {result.stderr.strip()[-800:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.province_options(parser, repeat=5)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    demo, province = common.databases(args)
    urls = {"demo": demo, "province": province}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
    measure(urls["demo"])  # warm-up: file caches, compiled bytecode
    for _ in range(args.repeat):
        for name, url in urls.items():
            runs[name].append(measure(url))
    medians = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
               for name, rs in runs.items()}
    print(f"{'':<9} {'dashboard':>10} {'documents':>10} {'peak RSS':>9}   ({args.repeat} runs)")
    for name, m in medians.items():
        print(f"{name:<9} {m['dashboard'] * 1000:>8.0f}ms {m['documents'] * 1000:>8.0f}ms "
              f"{m['rss_mb']:>7.0f}MB")
    demo, province = medians["demo"], medians["province"]
    ok = all([
        common.check_ratio("launch to dashboard", province["dashboard"], demo["dashboard"], TARGET),
        common.check_ratio("launch to first page of documents", province["documents"],
                           demo["documents"], TARGET),
        common.check_ratio("peak memory", province["rss_mb"], demo["rss_mb"], TARGET),
    ])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
