"""Cold start of the `bbt` command line, against `python -c "import typer"` in the same run.

    .venv/bin/python -m bench.cold_start [--runs 15] [--db URL]

Measures, as the median of N fresh processes each (taken in turns, so that a machine's load
weighs on all alike): the interpreter alone, the baseline `import typer`, `bbt --help`,
`bbt db current` and opening an up-to-date database through domain.db.get_engine; prints
each one's wall-clock and CPU time against the baseline. Then checks, with `python -X
importtime`, that `bbt --help` imports no SQLAlchemy, SQLModel, Textual or Alembic and that
opening an up-to-date database imports no Alembic (the schema check is one SELECT), and lists
the slowest imports of `bbt --help`. Exits 1 when an import check fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bench.common import (
    OUT,
    PYTHON,
    ROOT,
    Command,
    bbt_argv,
    bbt_env,
    check_ratio,
    demo_db,
    print_timings,
    sqlite_url,
    time_commands,
)

DATA_COMMAND_TARGET = 1.5
HEAVY_FOR_HELP = ("sqlalchemy", "sqlmodel", "textual", "alembic")


def bbt_code(*args: str) -> str:
    """Python source that runs `bbt ARGS` exactly as the console script does."""
    return (f"import sys; sys.argv = ['bbt', *{list(args)!r}]\n"
            "from commands.main import run\n"
            "try:\n    run()\nexcept SystemExit as exc:\n    sys.exit(exc.code)\n")


def open_db_code(url: str) -> str:
    return f"from domain.db import get_engine; get_engine({url!r}).connect().close()"


def import_times(code: str) -> dict[str, int]:
    """Module -> cumulative import time (µs) of running code in a fresh interpreter."""
    result = subprocess.run([PYTHON, "-X", "importtime", "-c", code], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{code!r} failed: {result.stderr.strip().splitlines()[-1:]}")
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        times[name] = int(cumulative)
    return times


def check_absent(what: str, modules: dict[str, int], forbidden: tuple[str, ...]) -> bool:
    top_level = {name.split(".")[0] for name in modules}
    found = sorted(top_level & set(forbidden))
    verdict = "OK" if not found else "FAILED"
    print(f"{verdict:>6}  {what} imports {', '.join(found) if found else 'none of'} "
          f"{'' if found else ', '.join(forbidden)}".rstrip())
    return not found


def up_to_date_database(url: str | None) -> str:
    """The database to open: the given one, or a fresh SQLite file brought to the schema."""
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        url = sqlite_url(OUT / "cold-start.db")
    result = subprocess.run([PYTHON, "-c", open_db_code(url)], cwd=ROOT, capture_output=True,
                            text=True)  # migrates it once if needed, outside the timings
    if result.returncode != 0:
        raise SystemExit(f"cannot open {url}: {result.stderr.strip()[-300:]}")
    return url


def compile_bytecode() -> None:
    """Compile the project's modules first, as an installed copy has them: a process started
    with PYTHONDONTWRITEBYTECODE (or from a read-only checkout) would otherwise compile every
    command module from source on each run and measure the compiler, not the start-up."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", "commands", "domain", "models", "bbt_tui"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="an up-to-date database to open (default: a fresh SQLite)")
    args = parser.parse_args(argv)
    compile_bytecode()
    url = up_to_date_database(args.db)
    env = {"BBT_DATABASE_URL": url, "BBT_LANG": "en"}

    commands = [
        Command("python -c pass", [PYTHON, "-c", "pass"], env),
        Command('python -c "import typer"', [PYTHON, "-c", "import typer"], env),
        Command("bbt --help", bbt_argv("--help"), env),
        Command("bbt db current", bbt_argv("db", "current"), env),
        Command("open database (get_engine)", [PYTHON, "-c", open_db_code(url)], env),
    ]
    timings = time_commands(commands, repeat=args.runs, warmup=2)
    print(f"Cold start, median of {args.runs} processes each, taken in turns "
          f"({url.split('://')[0]} database):")
    print_timings(timings, baseline=timings[1])
    print("\nImports:")
    help_modules = import_times(bbt_code("--help"))
    ok = check_absent("bbt --help", help_modules, HEAVY_FOR_HELP)
    ok &= check_absent("bbt db current", import_times(bbt_code("db", "current")), ("alembic",))
    ok &= check_absent("opening an up-to-date database", import_times(open_db_code(url)),
                       ("alembic",))
    print("\nSlowest imports of bbt --help (cumulative):")
    top = sorted(help_modules.items(), key=lambda item: -item[1])
    for name, micros in [(n, us) for n, us in top if "." not in n][:8]:
        print(f"  {micros / 1000:7.1f} ms  {name}")
    ok &= check_absent("bbt --help (plain help, no Rich panels)", help_modules, ("rich",))
    data_command_start(args.runs)
    return 0 if ok else 1


# What a data command cannot start without, in this stack: SQLModel (SQLAlchemy's ORM and
# Pydantic) for the tables, and Typer, which since 0.2x converts every option through
# Pydantic (typer._adapters) as soon as a command's parameters are parsed.
STACK = "import sqlmodel, typer, typer._adapters"


def data_command_start(runs: int) -> None:
    """A data command against `import sqlalchemy` (issue 13's target: at most 1.5×), beside
    the floor the stack itself sets, and where the command's import time goes."""
    env = {**bbt_env(demo_db()), "BBT_LANG": "en"}
    commands = [
        Command('python -c "import sqlalchemy"', [PYTHON, "-c", "import sqlalchemy"], env),
        Command(f'python -c "{STACK}"', [PYTHON, "-c", STACK], env),
        Command('python -c "import models" (+ the tables)', [PYTHON, "-c", "import models"],
                env),
        Command("bbt doc list --json (demo)", bbt_argv("doc", "list", "--json"), env),
    ]
    timings = time_commands(commands, repeat=runs, warmup=2)
    print(f"\nData command start-up, median of {runs} processes each, taken in turns:")
    print_timings(timings, baseline=timings[0])
    check_ratio("bbt doc list --json / import sqlalchemy, CPU", timings[3].cpu_median,
                timings[0].cpu_median, DATA_COMMAND_TARGET)
    print(f"        the stack alone ({STACK}): "
          f"{timings[1].cpu_median / timings[0].cpu_median:.2f}×; with the tables: "
          f"{timings[2].cpu_median / timings[0].cpu_median:.2f}×")
    code = bbt_code("doc", "list", "--json")
    result = subprocess.run([PYTHON, "-X", "importtime", "-c", code], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, **env})
    own: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            self_us, _, name = (part.strip() for part in line[len("import time:"):].split("|"))
            package = name.split(".")[0]
            own[package] = own.get(package, 0) + int(self_us)
    print("  its import time by package (own time, importtime's inflated clock):")
    for package, micros in sorted(own.items(), key=lambda item: -item[1])[:8]:
        print(f"  {micros / 1000:7.1f} ms  {package}")


if __name__ == "__main__":
    sys.exit(main())
