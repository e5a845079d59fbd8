"""`bbt doc late` and the overdue figures on a province-scale database against the demo,
measured in one run, end to end and in-process. Target (issue 13): the province takes at most
2× the demo's time end to end and at most 5× in-process (the query alone, where start-up
cannot hide growth).

    .venv/bin/python -m bench.late_bench                  # scale 1.0, cached in bench/out
    .venv/bin/python -m bench.late_bench --scale 0.1      # a quicker one
    .venv/bin/python -m bench.late_bench --province sqlite:////path/province.db

The figures read the open deliveries only (the partial index `ix_delivery_open_due`, see
`domain.tracking`): late units, overdue documents, this year's overdue deliveries per month
(`bbt stats`). Any error or lock stops the benchmark with exit status 2.
"""

from __future__ import annotations

import argparse
from datetime import date

from bench import common

END_TO_END, IN_PROCESS = 2.0, 5.0


def in_process(url: str, label: str, repeat: int) -> common.Timing:
    from domain import stats, tracking
    from domain.auth import Actor
    from domain.db import get_engine, transaction
    from domain.text import today

    engine = get_engine(url)
    actor = Actor(common.ADMIN, "admin")

    def figures() -> None:
        with transaction(engine) as session:
            tracking.late_units(session, actor)
            tracking.overdue_documents(session, actor)
            tracking.acknowledgement(session, actor)
            session.execute(stats.overdue_query(date(today().year, 1, 1), today())).all()

    return common.time_call(f"{label}: late units + overdue + acknowledged", figures, repeat,
                            warmup=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = common.province_options(parser, repeat=7).parse_args()
    demo, province = common.databases(args)
    try:
        inside = [in_process(demo, "demo", args.repeat),
                  in_process(province, "province", args.repeat)]
    except Exception as error:  # a lock or any failure is a failed benchmark, never retried
        print(f"FAILED in-process: {type(error).__name__}: {error}")
        raise SystemExit(2) from error
    argv = common.bbt_argv("doc", "late", "--json")
    demo_t, province_t = common.time_commands(
        [common.Command("demo: bbt doc late --json", argv, common.bbt_env(demo)),
         common.Command("province: bbt doc late --json", argv, common.bbt_env(province))],
        args.repeat)
    common.print_timings([demo_t, province_t], baseline=demo_t)
    common.print_timings(inside, baseline=inside[0])
    checks = [
        common.check_ratio("doc late --json, province vs demo (wall)", province_t.median,
                           demo_t.median, END_TO_END),
        common.check_ratio("the same, CPU", province_t.cpu_median or 0, demo_t.cpu_median or 1,
                           END_TO_END),
        common.check_ratio("late and overdue figures in-process (wall)", inside[1].median,
                           inside[0].median, IN_PROCESS),
        common.check_ratio("the same, CPU", inside[1].cpu_median or 0, inside[0].cpu_median or 1,
                           IN_PROCESS),
    ]
    raise SystemExit(0 if all(checks) else 1)


if __name__ == "__main__":
    main()
