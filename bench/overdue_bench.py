"""`bbt doc list --overdue --json` on a province-scale database against the demo database,
measured in one run. Target (issue 3): the province takes at most twice the demo's time.

    .venv/bin/python -m bench.overdue_bench                  # scale 1.0, cached in bench/out
    .venv/bin/python -m bench.overdue_bench --scale 0.05     # a quick one
    .venv/bin/python -m bench.overdue_bench --province sqlite:////path/province.db

What a user waits for is timed end to end (process start, login, query, JSON). The list
shows the newest 500 overdue documents (the command's default); the province has tens of
thousands, so the query walks the register newest first and stops there instead of
collecting them all. The time of the query alone, inside one warm process, is shown too.
"""

from __future__ import annotations

import argparse

from bench import common

TARGET = 2.0


def in_process(url: str, label: str, repeat: int) -> common.Timing:
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    actor = Actor(common.ADMIN, "admin")

    def overdue() -> None:
        with transaction(engine) as session:
            docs = documents.listing(session, actor, documents.Filters(overdue=True), 501)
            documents.describe(session, actor, docs[:500])

    return common.time_call(f"{label}: query + deliveries", overdue, repeat, warmup=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = common.province_options(parser, repeat=7).parse_args()
    demo, province = common.databases(args)
    argv = common.bbt_argv("doc", "list", "--overdue", "--json")
    demo_t, province_t = common.time_commands(
        [common.Command("demo", argv, common.bbt_env(demo)),
         common.Command("province", argv, common.bbt_env(province))], args.repeat)
    common.print_timings([demo_t, province_t], baseline=demo_t)
    common.print_timings([in_process(demo, "demo", args.repeat),
                          in_process(province, "province", args.repeat)])
    ok = common.check_ratio("doc list --overdue --json, province vs demo (wall)",
                            province_t.median, demo_t.median, TARGET)
    common.check_ratio("the same, CPU", province_t.cpu_median or 0, demo_t.cpu_median or 1,
                       TARGET)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
