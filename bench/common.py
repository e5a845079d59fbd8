"""What every benchmark shares: timing with repeats, medians and ratios, running `bbt` as a
user would, and the demo and province-scale databases built once and cached in bench/out/
(git-ignored).

    from bench import common
    demo = common.demo_db()                 # sqlite:///.../bench/out/demo.db
    province = common.province_db(1.0)      # built by bench.generate on first use
    t_demo = common.time_command(common.bbt_argv("--db", demo, "doc", "list"), env=...)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable

# The first admin of every benchmark database. Benchmark data only: never a real password.
ADMIN = "admin"
ADMIN_PASSWORD = "Bench-Quan-tri-2022"


# --- timing -----------------------------------------------------------------------------

@dataclass
class Timing:
    name: str
    runs: list[float] = field(default_factory=list)  # wall-clock seconds
    cpu: list[float] = field(default_factory=list)  # a subprocess's user+system seconds

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def ratio(self, baseline: Timing) -> float:
        return self.median / baseline.median

    def cpu_ratio(self, baseline: Timing) -> float | None:
        if self.cpu_median is None or not baseline.cpu_median:
            return None
        return self.cpu_median / baseline.cpu_median


def time_call(name: str, fn: Callable[[], object], repeat: int = 5, warmup: int = 0) -> Timing:
    """Median-ready timings of fn() in this process (warm-up runs are not counted), wall and
    CPU: on a shared machine the CPU time is the steadier figure."""
    for _ in range(warmup):
        fn()
    timing = Timing(name)
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        timing.runs.append(time.perf_counter() - start)
        timing.cpu.append(time.process_time() - cpu)
    return timing


@dataclass
class Command:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    stdin: str | None = None


def run_once(command: Command, timing: Timing | None = None) -> None:
    """Run a command from the project root (a failure stops everything), recording its wall
    time and its CPU time (from the children's rusage) into timing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(list(command.argv), cwd=ROOT, env={**os.environ, **(command.env or {})},
                            input=command.stdin, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{command.name}: {' '.join(command.argv)} exited "
                         f"{result.returncode}: {result.stderr.strip()[-500:]}")
    if timing is not None:
        timing.runs.append(wall)
        timing.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def time_commands(commands: Sequence[Command], repeat: int = 5, warmup: int = 1) -> list[Timing]:
    """Timings of several commands taken in turns (A B C, A B C, ...), so that a machine
    that gets busier or quieter during the run weighs on all of them alike."""
    timings = [Timing(c.name) for c in commands]
    for round_ in range(warmup + repeat):
        for command, timing in zip(commands, timings, strict=True):
            run_once(command, timing if round_ >= warmup else None)
    return timings


def time_command(name: str, argv: Sequence[str], repeat: int = 5, warmup: int = 1,
                 env: dict[str, str] | None = None, stdin: str | None = None) -> Timing:
    """Timings of one subprocess run repeatedly from the project root."""
    return time_commands([Command(name, argv, env, stdin)], repeat, warmup)[0]


def print_timings(timings: Sequence[Timing], baseline: Timing | None = None) -> None:
    """A table of wall-clock medians (ms), best runs, CPU medians when measured, and ratios
    to the baseline."""
    width = max(len(t.name) for t in timings)
    with_cpu = all(t.cpu for t in timings)
    header = f"{'':<{width}}  {'median':>9}  {'best':>9}  {'runs':>4}"
    header += f"  {'cpu':>9}" if with_cpu else ""
    if baseline is not None:
        header += f"  {'× baseline':>10}" + (f"  {'cpu ×':>6}" if with_cpu else "")
    print(header)
    for t in timings:
        line = f"{t.name:<{width}}  {t.median * 1000:>7.1f}ms  {t.best * 1000:>7.1f}ms  {len(t.runs):>4}"
        if with_cpu:
            line += f"  {t.cpu_median * 1000:>7.1f}ms"  # type: ignore[operator]
        if baseline is not None:
            line += f"  {t.ratio(baseline):>9.2f}×"
            cpu_ratio = t.cpu_ratio(baseline) if with_cpu else None
            line += f"  {cpu_ratio:>5.2f}×" if cpu_ratio is not None else ""
        print(line)
    if baseline is not None:
        print(f"(baseline: {baseline.name})")


def check_ratio(what: str, value: float, baseline: float, limit: float) -> bool:
    """Print whether value/baseline meets a target such as "at most 2× the demo"."""
    ratio = value / baseline
    verdict = "OK" if ratio <= limit else "MISSED"
    print(f"{verdict:>6}  {what}: {ratio:.2f}× (target ≤ {limit:g}×; "
          f"{value * 1000:.1f} ms vs {baseline * 1000:.1f} ms)")
    return ratio <= limit


# --- running bbt ------------------------------------------------------------------------

def bbt_argv(*args: str) -> list[str]:
    """The installed console script when there is one (what users run), else the module."""
    script = Path(PYTHON).with_name("bbt")
    if script.exists():
        return [str(script), *args]
    return [PYTHON, "-c", "import sys; from commands.main import run; sys.argv[0] = 'bbt'; run()",
            *args]


def bbt_env(url: str, user: str = ADMIN, password: str = ADMIN_PASSWORD) -> dict[str, str]:
    return {"BBT_DATABASE_URL": url, "BBT_USER": user, "BBT_PASSWORD": password,
            "BBT_LANG": "en"}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- cached databases -------------------------------------------------------------------

def _fingerprint(*paths: Path) -> str:
    """Changes when the code that builds a database (or the schema) changes."""
    digest = hashlib.sha256()
    files = [p for path in paths for p in (sorted(path.rglob("*.py")) if path.is_dir() else [path])]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _cached(path: Path, key: dict[str, object], build: Callable[[], None], rebuild: bool) -> None:
    stamp = path.with_name(path.name + ".json")
    if not rebuild and path.exists() and stamp.exists() and json.loads(stamp.read_text()) == key:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in (path, stamp, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    build()
    stamp.write_text(json.dumps(key))


def demo_db(rebuild: bool = False) -> str:
    """The demo dataset (`bbt init --demo`) in bench/out/demo.db; its admin is ADMIN."""
    path = OUT / "demo.db"
    url = sqlite_url(path)
    key = {"code": _fingerprint(ROOT / "domain", ROOT / "models", ROOT / "migrations")}

    def build() -> None:
        result = subprocess.run(bbt_argv("--db", url, "init", "--demo", "--admin", ADMIN,
                                         "--password-stdin"),
                                input=ADMIN_PASSWORD + "\n", capture_output=True, text=True,
                                cwd=ROOT, env={**os.environ, "BBT_LANG": "en"})
        if result.returncode != 0:
            raise SystemExit(f"building the demo database failed: {result.stderr.strip()}")

    _cached(path, key, build, rebuild)
    return url


def province_db(scale: float = 1.0, rebuild: bool = False, seed: int = 2022) -> str:
    """A province-scale SQLite database built by bench.generate, cached per scale and seed."""
    path = OUT / f"province-{scale:g}.db"
    url = sqlite_url(path)
    key = {"scale": scale, "seed": seed,
           "code": _fingerprint(ROOT / "bench" / "generate.py", ROOT / "bench" / "province_data.py",
                                ROOT / "domain", ROOT / "models", ROOT / "migrations")}

    def build() -> None:
        print(f"building {path.name} (scale {scale:g}); this takes a while at full scale",
              file=sys.stderr)
        result = subprocess.run([PYTHON, "-m", "bench.generate", "--db", url, "--scale",
                                 str(scale), "--seed", str(seed), "--quiet"], cwd=ROOT)
        if result.returncode != 0:
            raise SystemExit("building the province database failed")

    _cached(path, key, build, rebuild)
    return url


def province_options(parser: argparse.ArgumentParser, repeat: int) -> argparse.ArgumentParser:
    """The options every demo-versus-province benchmark takes."""
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--province", help="a province database URL (default: built by "
                        "bench.generate at --scale and cached in bench/out)")
    parser.add_argument("--demo", help="a demo database URL, e.g. on PostgreSQL beside a "
                        "PostgreSQL province (default: `bbt init --demo` in bench/out)")
    parser.add_argument("--repeat", type=int, default=repeat)
    return parser


def databases(args: argparse.Namespace) -> tuple[str, str]:
    """The demo and province database URLs those options name (built and cached if absent)."""
    demo = getattr(args, "demo", None) or demo_db()
    return demo, args.province or province_db(args.scale)
