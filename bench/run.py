"""The benchmark of issue 15: clc-tender evaluate against a naive pandas reader at 100, 1,000 and
10,000 bids, the Word letters, the scores workbook, start-up and check, and a profile by phase.

    make bench                      # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --sizes 100,1000 --no-profile

Writes ``bench/results.md`` (machine, tables, every target met or not, profile). See
bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from generate import bidgen_sha256, generate, marker
from spy import Profile, parse

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
RESULTS = BENCH / "results.md"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "clc-tender"
PY_SPY = PYTHON.parent / "py-spy"
MIB = 1024 * 1024
# set by main(): the environment and working folder of every command that imports clc_tender
ENV: dict[str, str] = dict(os.environ)
CODE: Path = ROOT

# the targets (issue 15)
RATIO = 0.2  # evaluate / naive wall time, at 1,000 and at 10,000 bids
SCALING = 1.2  # per-bid cost at 10,000 / per-bid cost at 1,000
MEMORY_MIB = 400  # peak resident set of evaluate at 10,000 bids (strictly below)
BUSY_CORES = 1.5  # average cores in use (user + sys CPU time / wall time) at 10,000 bids
LETTERS_RATIO = 1.0  # letters --docx on the 1,000-bid shortlist / naive read of the 1,000 bids
LETTERS_MIB = 250  # peak resident set of letters --docx (strictly below)
LETTERS_FLAT = 1.2  # peak at 1,000 letters / peak at 100 letters
SCORES_S = 1.0  # reading the scores workbook of 10,000 bids (two evaluators)
PLACE_S = 3.0  # place: 700 requests against 150 members and 400 services
HELP_RATIO = 10.0  # clc-tender --help / python -c pass
HELP_RUNS = 10
SPY_RATE = 100  # py-spy samples per second
LETTER_DATE = "2026-05-01"
PACKAGES = (
    "clc-tender",
    "pandas",
    "numpy",
    "openpyxl",
    "python-calamine",
    "pandera",
    "typer",
    "rich",
    "XlsxWriter",
    "python-docx",
    "py-spy",
)


@dataclass
class Run:
    wall_s: float
    peak_mib: float
    cpu_s: float = 0.0  # user + sys of the command and every process it waited for

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s if self.wall_s else 0.0


@dataclass
class Case:
    n: int
    evaluate: list[Run] = field(default_factory=list)
    naive: list[Run] = field(default_factory=list)

    @staticmethod
    def _median(runs: list[Run]) -> float:
        return statistics.median(r.wall_s for r in runs)

    @property
    def evaluate_s(self) -> float:
        return self._median(self.evaluate)

    @property
    def naive_s(self) -> float:
        return self._median(self.naive)

    @property
    def ratio(self) -> float:
        return self.evaluate_s / self.naive_s

    @property
    def ms_per_bid(self) -> float:
        return self.evaluate_s / self.n * 1000

    @property
    def evaluate_mib(self) -> float:
        return max(r.peak_mib for r in self.evaluate)

    @property
    def naive_mib(self) -> float:
        return max(r.peak_mib for r in self.naive)

    @property
    def cores(self) -> float:
        return statistics.median(r.cores for r in self.evaluate)


@dataclass
class Letters:
    n: int
    runs: list[Run] = field(default_factory=list)
    naive: list[Run] = field(default_factory=list)  # the naive read of the same bids, alternated
    count: int = 0  # Word files written

    @property
    def naive_s(self) -> float:
        return statistics.median(r.wall_s for r in self.naive)

    @property
    def wall_s(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.peak_mib for r in self.runs)


# --- running ---------------------------------------------------------------------------------


def measure(command: list[str]) -> Run:
    """Run ``command`` under bench/measure.py (a fresh process, so the peak is this run's)."""
    out = subprocess.run(
        [str(PYTHON), str(BENCH / "measure.py"), *command],
        capture_output=True,
        text=True,
        check=True,
        cwd=CODE,
        env=ENV,
    )
    result = json.loads(out.stdout)
    if result["returncode"] != 0:
        sys.exit(f"failed (exit {result['returncode']}): {' '.join(command)}\n{result['stderr']}")
    return Run(result["wall_s"], result["maxrss_kib"] / 1024, result["user_s"] + result["sys_s"])


def shortlist_path(n: int) -> Path:
    return Path(f"/tmp/clc-bench-shortlist-{n}.xlsx")


def evaluate_command(n: int) -> list[str]:
    case = CACHE / str(n)
    return [
        str(CLI),
        "evaluate",
        str(case / "bids"),
        "--scores",
        str(case / "scores.xlsx"),
        "--out",
        str(shortlist_path(n)),
        "--force",
    ]


def naive_command(n: int) -> list[str]:
    return [str(PYTHON), str(BENCH / "naive.py"), str(CACHE / str(n) / "bids")]


def letters_command(n: int) -> list[str]:
    return [
        str(CLI),
        "letters",
        str(shortlist_path(n)),
        "--out",
        f"/tmp/clc-bench-letters-{n}.xlsx",
        "--docx",
        f"/tmp/clc-bench-letters-{n}",
        "--letter-date",
        LETTER_DATE,
        "--standstill-from",
        LETTER_DATE,
        "--allow-pending",
        "--force",
    ]


def prepare(n: int, workers: int) -> None:
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] >= 5:
            last[0] = now
            rate = done / max(now - started, 1e-9)
            print(f"  generating {n:,} bids: {done:,}/{total:,} ({rate:,.0f}/s)", flush=True)

    made = generate(CACHE / str(n), n, workers=workers, progress=progress)
    what = "generated" if made else "cached"
    print(f"  {n:,} bids {what} ({time.perf_counter() - started:.1f} s)", flush=True)


def time_case(n: int, reps: int) -> Case:
    case = Case(n)
    for rep in range(1, reps + 1):  # alternating: a b a b ...
        run = measure(evaluate_command(n))
        case.evaluate.append(run)
        print(
            f"  N={n:,} rep {rep}: evaluate {run.wall_s:7.2f} s  {run.peak_mib:7.1f} MiB  "
            f"{run.cores:.2f} cores",
            flush=True,
        )
        run = measure(naive_command(n))
        case.naive.append(run)
        print(
            f"  N={n:,} rep {rep}: naive    {run.wall_s:7.2f} s  {run.peak_mib:7.1f} MiB",
            flush=True,
        )
    return case


def time_letters(n: int, reps: int) -> Letters:
    """``letters --docx`` on the shortlist the evaluate runs of ``n`` bids wrote, alternating
    with the naive read of the same ``n`` bids (its ratio's denominator)."""
    result = Letters(n)
    folder = Path(f"/tmp/clc-bench-letters-{n}")
    for rep in range(1, reps + 1):
        shutil.rmtree(folder, ignore_errors=True)
        run = measure(letters_command(n))
        result.runs.append(run)
        result.count = sum(1 for _ in folder.glob("*.docx"))
        print(
            f"  letters N={n:,} rep {rep}: {run.wall_s:7.2f} s  {run.peak_mib:7.1f} MiB "
            f"({result.count:,} Word files)",
            flush=True,
        )
        run = measure(naive_command(n))
        result.naive.append(run)
        print(f"  letters N={n:,} rep {rep}: naive {run.wall_s:7.2f} s", flush=True)
    return result


SCORES_SCRIPT = """
import json, sys, time
from pathlib import Path
import pandas, pandera.pandas  # imported before the clock starts: the read alone is timed
from clc_tender.read.panel import read_scores
from clc_tender.tender import load_tender
tender = load_tender()
started = time.perf_counter()
table = read_scores(Path(sys.argv[1]), tender)
print(json.dumps({"s": time.perf_counter() - started, "rows": len(table.frame)}))
"""


def time_scores(n: int, reps: int = 3) -> tuple[float, int, list[float]]:
    """Median seconds of ``read_scores`` alone on the scores workbook of ``n`` bids, rows."""
    times, rows = [], 0
    for _ in range(reps):
        out = subprocess.run(
            [str(PYTHON), "-c", SCORES_SCRIPT, str(CACHE / str(n) / "scores.xlsx")],
            capture_output=True,
            text=True,
            check=True,
            cwd=CODE,
            env=ENV,
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(data["s"])
        rows = data["rows"]
    return statistics.median(times), rows, times


def time_check(runs: int = 5) -> tuple[float, float, list[float], list[float]]:
    """``clc-tender check`` on one bid: median wall time and the median time spent importing
    (``-X importtime``, the top-level imports' cumulative times; a separate run each)."""
    bid = next((CACHE / "1" / "bids").glob("*.xlsx"))
    walls, imports = [], []
    for _ in range(runs):
        walls.append(measure([str(CLI), "check", str(bid)]).wall_s)
        out = subprocess.run(
            [str(PYTHON), "-X", "importtime", "-m", "clc_tender.cli", "check", str(bid)],
            capture_output=True,
            text=True,
            check=False,
            cwd=CODE,
            env=ENV,
        )
        total = 0
        for line in out.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
            if match and not match.group(2).startswith(" "):
                total += int(match.group(1))
        imports.append(total / 1e6)
    return statistics.median(walls), statistics.median(imports), walls, imports


def time_help() -> tuple[float, float, list[float], list[float]]:
    """Median wall time of ``clc-tender --help`` and of ``python -c pass`` (alternating)."""
    helps: list[float] = []
    passes: list[float] = []
    for _ in range(HELP_RUNS):
        for command, into in (([str(CLI), "--help"], helps), ([str(PYTHON), "-c", "pass"], passes)):
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True, cwd=CODE, env=ENV)
            into.append(time.perf_counter() - started)
    return statistics.median(helps), statistics.median(passes), helps, passes


def time_fixed(runs: int = 3) -> dict[str, Run]:
    """The fixed cost: each command on 1 bid (start-up, imports, one file, the output; median)."""
    result = {}
    for name, command in (("evaluate", evaluate_command(1)), ("naive", naive_command(1))):
        times = [measure(command) for _ in range(runs)]
        result[name] = Run(
            statistics.median(r.wall_s for r in times), max(r.peak_mib for r in times)
        )
    return result


def source_digest(package: Path, schemas: Path) -> str:
    """One SHA-256 over clc_tender's sources (``package``) and the bundled schemas."""
    files = [
        (f"clc_tender/{p.relative_to(package).as_posix()}", p)
        for p in package.rglob("*.py")
        if schemas not in p.parents
    ]
    files += [
        (f"schemas/{p.relative_to(schemas).as_posix()}", p)
        for p in schemas.iterdir()
        if p.suffix in (".py", ".toml")
    ]
    digest = hashlib.sha256()
    for name, path in sorted(files):
        if "__pycache__" not in name:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def working_tree_digest() -> str:
    return source_digest(ROOT / "clc_tender", ROOT / "schemas")


def snapshot() -> tuple[Path, str]:
    """A copy of clc_tender/ (with schemas/ as clc_tender/schemas) in bench/cache/code-<sha>/.

    Others edit clc_tender while the benchmark runs; every measured command imports this copy
    (PYTHONPATH, which comes before the editable install's finder), so that all the numbers of
    a run are of one version of the code."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    staging = CACHE / "code-staging"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(ROOT / "clc_tender", staging / "clc_tender", ignore=ignore)
    shutil.copytree(ROOT / "schemas", staging / "clc_tender" / "schemas", ignore=ignore)
    digest = source_digest(staging / "clc_tender", staging / "clc_tender" / "schemas")
    target = CACHE / f"code-{digest[:16]}"
    for old in CACHE.glob("code-*"):
        if old not in (staging, target):
            shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        shutil.rmtree(staging)
    else:
        staging.rename(target)
    return target, digest


def inputs_note(sizes: list[int]) -> str:
    current = bidgen_sha256()
    notes = []
    for n in sizes:
        data = marker(CACHE / str(n)) or {}
        made = data.get("bidgen_sha256", "?")
        when = data.get("written", "?")
        same = (
            "the current bidgen.py"
            if made == current
            else f"an earlier bidgen.py ({str(made)[:12]})"
        )
        notes.append(f"N={n:,} written {when} by {same}")
    return "; ".join(notes)


def time_place(reps: int = 2) -> tuple[list[str], float]:
    """``clc-tender place`` on 700 requests against a register of 150 members with 400 services
    (inputs by bench/place_inputs.py, rebuilt each run): wall time and peak of the command, its
    fixed cost (one request), the per-request cost, and the steps of one run in-process (the
    postcode data is loaded once per run). Returns the report's section and the median wall
    time of the 700 requests."""
    folder = CACHE / "place"
    subprocess.run(
        [str(PYTHON), str(BENCH / "place_inputs.py"), str(folder)],
        check=True,
        cwd=CODE,
        env=ENV,
        capture_output=True,
    )
    out = "/tmp/clc-bench-placements.xlsx"

    def command(requests: str) -> list[str]:
        return [
            str(CLI),
            "place",
            str(folder / "register.xlsx"),
            "--requests",
            str(folder / requests),
            "--out",
            out,
            "--force",
        ]

    full, one = [], []
    for _ in range(reps):  # alternating
        full.append(measure(command("requests.xlsx")))
        one.append(measure(command("requests-1.xlsx")))
    steps = json.loads(
        subprocess.run(
            [
                str(PYTHON),
                str(BENCH / "place_inputs.py"),
                "--phases",
                str(folder / "register.xlsx"),
                str(folder / "requests.xlsx"),
                out,
            ],
            check=True,
            cwd=CODE,
            env=ENV,
            capture_output=True,
            text=True,
        ).stdout
    )
    wall = statistics.median(r.wall_s for r in full)
    fixed = statistics.median(r.wall_s for r in one)
    n = int(steps["requests"])
    per_request = (wall - fixed) / (n - 1) * 1000
    print(
        f"  place: {n} requests {wall:.2f} s, 1 request {fixed:.2f} s, "
        f"{per_request:.1f} ms per request",
        flush=True,
    )
    timed = [k for k in steps if k not in ("postcode loads", "requests", "options", "excluded")]
    return [
        "## place: 700 requests against 150 members and 400 services",
        "",
        "`clc-tender place register.xlsx --requests requests.xlsx --out O --force` (the terminal "
        "view printed), on inputs written by `bench/place_inputs.py`: a register of 100 Day "
        "Services members with 4 services each and 50 Personal Assistants members (the scale of "
        "the cabinet report's ¶27 and ¶30), and 700 packages (70% Day Services, some with "
        "Band 5; "
        "30% Personal Assistants), every home and service at a real postcode of a county "
        "district.",
        "",
        "| run | wall s (median) | peak MiB |",
        "|---|---:|---:|",
        f"| {n} requests | {wall:.2f} | {max(r.peak_mib for r in full):.0f} |",
        f"| 1 request (fixed cost) | {fixed:.2f} | {max(r.peak_mib for r in one):.0f} |",
        "",
        f"Per-request cost net of the fixed cost: **{per_request:.1f} ms** "
        f"({n} requests, {int(steps['options']):,} options and {int(steps['excluded']):,} "
        "excluded candidates written). Every run: "
        + ", ".join(f"{r.wall_s:.2f} s" for r in full)
        + " (700); "
        + ", ".join(f"{r.wall_s:.2f} s" for r in one)
        + " (1).",
        "",
        f"One run in-process, step by step (the postcode data loaded "
        f"{int(steps['postcode loads'])} time(s), for the areas of every postcode at once):",
        "",
        "| step | s |",
        "|---|---:|",
        *(f"| {k} | {float(steps[k]):.2f} |" for k in timed),
    ], wall


# --- profiling -------------------------------------------------------------------------------


def profile(n: int) -> tuple[Profile, float] | None:
    """py-spy over evaluate on ``n`` bids, the pool's worker processes included; (profile, wall
    seconds). None when py-spy is not installed or cannot attach."""
    if not PY_SPY.exists():
        print(f"  {PY_SPY} not found: no profile (pip install py-spy)", flush=True)
        return None
    raw = CACHE / f"profile-{n}.txt"
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(PY_SPY),
            "record",
            "--subprocesses",
            "--rate",
            str(SPY_RATE),
            "--format",
            "raw",
            "--output",
            str(raw),
            "--",
            *evaluate_command(n),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        cwd=CODE,
        env=ENV,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0 or not raw.is_file():
        print(f"  py-spy failed: {done.stderr.strip()[-300:]}", flush=True)
        return None
    return parse(raw.read_text(), SPY_RATE), wall


def profile_section(n: int, prof: Profile, wall: float) -> list[str]:
    main_s = prof.seconds(sum(prof.main.values()))
    workers_s = prof.seconds(sum(prof.workers.values()))
    writers_s = prof.seconds(sum(prof.writers.values()))
    out = [
        f"### evaluate on {n:,} bids ({wall:.1f} s wall under py-spy; raw stacks in "
        f"bench/cache/profile-{n}.txt)",
        "",
        f"Seconds of work (py-spy samples at {SPY_RATE} Hz, idle waits left out, but a thread "
        "blocked in select() or on a full pipe counted: see the wait rows) by process and "
        f"phase: the main process {main_s:.1f} s, the pool's {len(prof.worker_pids)} worker "
        f"process(es) {workers_s:.1f} s together, {len(prof.writer_pids)} forked sheet "
        f"writer(s) {writers_s:.1f} s; {(main_s + workers_s + writers_s) / wall:.2f} cores on "
        "average over the wall time.",
        "",
        "| process | phase | s | share of its process |",
        "|---|---|---:|---:|",
    ]
    for label, counter, total in (
        ("main", prof.main, main_s),
        ("workers", prof.workers, workers_s),
        ("sheet writers", prof.writers, writers_s),
    ):
        for phase, samples in counter.most_common():
            seconds = prof.seconds(samples)
            out.append(f"| {label} | {phase} | {seconds:.2f} | {seconds / max(total, 1e-9):.0%} |")
    out += [
        "",
        "Innermost frames with the most samples (both kinds of process):",
        "",
        "| function | s |",
        "|---|---:|",
    ]
    out += [
        f"| `{name}` | {prof.seconds(samples):.2f} |"
        for name, samples in prof.functions.most_common(15)
    ]
    return out


# --- reporting -------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return [
        f"- CPUs (nproc): {os.cpu_count()}; CPU: {cpu}",
        f"- Memory: {memory}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{sys.executable}",
        f"- Packages: {', '.join(versions)}",
    ]


def table(cases: list[Case]) -> list[str]:
    rows = [
        "| N | evaluate s | naive s | ratio | ms per bid (evaluate) | cores busy (evaluate) "
        "| peak MiB (evaluate) | peak MiB (naive) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows.extend(
        f"| {c.n:,} | {c.evaluate_s:.2f} | {c.naive_s:.2f} | {c.ratio:.2f}× | "
        f"{c.ms_per_bid:.2f} | {c.cores:.2f} | {c.evaluate_mib:.0f} | {c.naive_mib:.0f} |"
        for c in cases
    )
    return rows


def console_table(cases: list[Case], help_ratio: float) -> str:
    head = (
        f"{'N':>7} {'evaluate s':>11} {'naive s':>9} {'ratio':>7} {'ms/bid':>8} "
        f"{'cores':>6} {'eval MiB':>9} {'naive MiB':>10}"
    )
    lines = [head, "-" * len(head)]
    lines.extend(
        f"{c.n:>7,} {c.evaluate_s:>11.2f} {c.naive_s:>9.2f} {c.ratio:>6.2f}× "
        f"{c.ms_per_bid:>8.2f} {c.cores:>6.2f} {c.evaluate_mib:>9.0f} {c.naive_mib:>10.0f}"
        for c in cases
    )
    lines.append(f"--help / python -c pass: {help_ratio:.1f}×")
    return "\n".join(lines)


@dataclass
class Measured:
    cases: list[Case]
    help_times: tuple[float, float, list[float], list[float]]
    fixed: dict[str, Run]
    letters: list[Letters]
    scores: tuple[int, float, int, list[float]] | None  # (N, median s, rows, every run)
    check: tuple[float, float, list[float], list[float]]
    place_s: float | None = None  # median wall time of place on 700 requests
    place_section: list[str] = field(default_factory=list)


def mark(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def targets(m: Measured) -> list[str]:
    by_n = {c.n: c for c in m.cases}
    lines = ["| target | measured | |", "|---|---|---|"]
    for n in (1000, 10000):
        if n in by_n:
            c = by_n[n]
            lines.append(
                f"| {n:,} bids: evaluate ≤ {RATIO}× naive | {c.evaluate_s:.2f} s / "
                f"{c.naive_s:.2f} s = {c.ratio:.2f}× | {mark(c.ratio <= RATIO)} |"
            )
    if 1000 in by_n and 10000 in by_n:
        small, big = by_n[1000], by_n[10000]
        scale = big.ms_per_bid / small.ms_per_bid
        lines.append(
            f"| 10,000 bids: per-bid cost ≤ {SCALING}× that at 1,000 | {big.ms_per_bid:.2f} ms"
            f" / {small.ms_per_bid:.2f} ms = {scale:.2f}× | {mark(scale <= SCALING)} |"
        )
    if 10000 in by_n:
        big = by_n[10000]
        lines.append(
            f"| 10,000 bids: evaluate peak memory < {MEMORY_MIB} MiB | {big.evaluate_mib:.0f} "
            f"MiB | {mark(big.evaluate_mib < MEMORY_MIB)} |"
        )
        lines.append(
            f"| 10,000 bids: both cores busy (≥ {BUSY_CORES} cores on average: CPU time / "
            f"wall) | {big.cores:.2f} cores | {mark(big.cores >= BUSY_CORES)} |"
        )
    by_letters = {x.n: x for x in m.letters}
    if 1000 in by_letters:
        x, naive = by_letters[1000], by_letters[1000].naive_s
        lines.append(
            f"| `letters --docx`, 1,000-bid shortlist ({x.count:,} letters): ≤ "
            f"{LETTERS_RATIO}× the naive read of the 1,000 bids (alternated with it) | "
            f"{x.wall_s:.2f} s / "
            f"{naive:.2f} s = {x.wall_s / naive:.2f}× | {mark(x.wall_s / naive <= LETTERS_RATIO)} |"
        )
        lines.append(
            f"| `letters --docx`: peak memory < {LETTERS_MIB} MiB | {x.peak_mib:.0f} MiB | "
            f"{mark(x.peak_mib < LETTERS_MIB)} |"
        )
        if 100 in by_letters:
            few = by_letters[100]
            flat = x.peak_mib / few.peak_mib
            lines.append(
                f"| `letters --docx`: memory flat in the number of letters (peak at "
                f"{x.count:,} ≤ {LETTERS_FLAT}× peak at {few.count:,}) | {x.peak_mib:.0f} "
                f"MiB / {few.peak_mib:.0f} MiB = {flat:.2f}× | {mark(flat <= LETTERS_FLAT)} |"
            )
    if m.scores is not None:
        n, seconds, rows, _ = m.scores
        lines.append(
            f"| scores workbook of {n:,} bids, two evaluators ({rows:,} rows) read in ≤ "
            f"{SCORES_S:.0f} s | {seconds:.2f} s | {mark(seconds <= SCORES_S)} |"
        )
    if m.place_s is not None:
        lines.append(
            f"| `place`: 700 requests against 150 members and 400 services ≤ {PLACE_S:.0f} s "
            f"| {m.place_s:.2f} s | {mark(m.place_s <= PLACE_S)} |"
        )
    help_s, pass_s, _, _ = m.help_times
    ratio = help_s / pass_s
    lines.append(
        f"| `clc-tender --help` ≤ {HELP_RATIO:.0f}× `python -c pass` | {help_s * 1000:.0f} "
        f"ms / {pass_s * 1000:.0f} ms = {ratio:.1f}× | {mark(ratio <= HELP_RATIO)} |"
    )
    wall, imports, _, _ = m.check
    lines.append(
        f"| `check` on one bid, with the share that is imports (reported) | {wall:.2f} s, of "
        f"which imports {imports:.2f} s ({imports / wall:.0%}) | reported |"
    )
    return lines


def samples(m: Measured) -> list[str]:
    lines = []
    for c in m.cases:
        ev = ", ".join(
            f"{r.wall_s:.2f} s / {r.peak_mib:.0f} MiB / {r.cores:.2f} cores" for r in c.evaluate
        )
        nv = ", ".join(f"{r.wall_s:.2f} s / {r.peak_mib:.0f} MiB" for r in c.naive)
        lines.append(f"- N={c.n:,}: evaluate {ev}; naive {nv}")
    for x in m.letters:
        runs = ", ".join(f"{r.wall_s:.2f} s / {r.peak_mib:.0f} MiB" for r in x.runs)
        naive = ", ".join(f"{r.wall_s:.2f} s" for r in x.naive)
        lines.append(
            f"- letters --docx, {x.n:,}-bid shortlist ({x.count:,} Word files): {runs}; "
            f"the naive read of the same bids, alternated: {naive}"
        )
    if m.scores is not None:
        lines.append(
            f"- read_scores, {m.scores[0]:,} bids: {', '.join(f'{t:.2f}' for t in m.scores[3])} s"
        )
    help_s, pass_s, helps, passes = m.help_times
    lines.append(
        f"- --help: {', '.join(f'{t * 1000:.0f}' for t in helps)} ms; python -c pass: "
        f"{', '.join(f'{t * 1000:.0f}' for t in passes)} ms"
    )
    _, _, walls, imports = m.check
    lines.append(
        f"- check on one bid: {', '.join(f'{t:.2f}' for t in walls)} s; imports (-X "
        f"importtime, separate runs): {', '.join(f'{t:.2f}' for t in imports)} s"
    )
    return lines


def report(
    m: Measured,
    profiles: dict[int, tuple[Profile, float]],
    started: dt.datetime,
    elapsed: float,
    provenance: list[str],
) -> str:
    help_s, pass_s, _, _ = m.help_times
    fixed = m.fixed
    out = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} (local time) by `bench/run.py`, {elapsed / 60:.1f} min in "
        "all. Regenerated on every run; see bench/README.md for what is measured. The machine "
        "is shared with other sessions: wall times are noisy, so each ratio comes from runs "
        "alternated in one run of the benchmark, and medians are shown.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Code and inputs",
        "",
        *provenance,
        "",
        "## Results",
        "",
        "Wall time (median of the runs; process start, interpreter, imports and work), average "
        "cores busy (user + sys CPU time of the command and its worker processes over the wall "
        "time) and peak resident set (`ru_maxrss` of a fresh wrapper's children: the largest "
        "single process) of `clc-tender evaluate BIDS --scores S --out O --force` (evaluate) and "
        "of `bench/naive.py BIDS`, which only calls `pandas.read_excel(path, sheet_name=None, "
        'engine="openpyxl")` on every bid workbook (naive). Ratio = evaluate / naive.',
        "",
        *table(m.cases),
        "",
        f"`clc-tender --help`: {help_s * 1000:.0f} ms; `python -c pass`: {pass_s * 1000:.0f} ms "
        f"(medians of {HELP_RUNS}, alternating); ratio {help_s / pass_s:.1f}×.",
        "",
        f"Fixed cost, each command on 1 bid (median of 3): evaluate {fixed['evaluate'].wall_s:.2f} "
        f"s / {fixed['evaluate'].peak_mib:.0f} MiB; naive {fixed['naive'].wall_s:.2f} s / "
        f"{fixed['naive'].peak_mib:.0f} MiB. Per-bid cost net of it: "
        + "; ".join(
            f"N={c.n:,} evaluate {(c.evaluate_s - fixed['evaluate'].wall_s) / (c.n - 1) * 1000:.2f}"
            f" ms, naive {(c.naive_s - fixed['naive'].wall_s) / (c.n - 1) * 1000:.2f} ms"
            for c in m.cases
            if c.n > 1
        )
        + ".",
        "",
        "Every run (alternating evaluate, naive):",
        "",
        *samples(m),
        "",
        "## Targets",
        "",
        *targets(m),
    ]
    if m.place_section:
        out += ["", *m.place_section]
    if profiles:
        out += ["", "## Profile by phase (py-spy, the pool's workers included)", ""]
        for n, (prof, wall) in sorted(profiles.items()):
            out += [*profile_section(n, prof, wall), ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100,1000,10000", help="numbers of bids (default 100,1000,10000)"
    )
    parser.add_argument(
        "--reps", type=int, default=3, help="runs of each command for N ≤ 1,000 (default 3)"
    )
    parser.add_argument(
        "--big-reps", type=int, default=2, help="runs of each command for N > 1,000 (default 2)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="processes generating bids (default 2)"
    )
    parser.add_argument(
        "--profile-sizes", default="1000,10000", help="profiled runs (default 1000,10000)"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the profile")
    parser.add_argument("--no-letters", action="store_true", help="skip letters --docx")
    parser.add_argument("--no-place", action="store_true", help="skip place")
    parser.add_argument(
        "--place-only",
        action="store_true",
        help="time only place (printed, bench/results.md left as it is)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="the report (default bench/results.md)"
    )
    options = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in options.sizes.split(",") if s.strip()]
    profile_sizes = (
        []
        if options.no_profile
        else [int(s.replace("_", "")) for s in options.profile_sizes.split(",") if s.strip()]
    )
    if not CLI.exists():
        sys.exit(f"{CLI} not found: run make bench (it installs the project into .venv)")

    global CODE
    started_at = dt.datetime.now()
    started = time.perf_counter()
    CACHE.mkdir(exist_ok=True)
    CODE, digest = snapshot()
    ENV["PYTHONPATH"] = str(CODE)
    print(f"Measuring a snapshot of clc_tender: {CODE.relative_to(ROOT)}", flush=True)
    if options.place_only:
        print("\n".join(time_place(options.reps)[0]))
        return
    print("Inputs:", flush=True)
    for n in sorted({1, *sizes, *profile_sizes}):
        prepare(n, options.workers)

    print("Timing:", flush=True)
    cases = [time_case(n, options.reps if n <= 1000 else options.big_reps) for n in sizes]
    letters = (
        []
        if options.no_letters
        else [time_letters(n, options.reps) for n in sizes if n in (100, 1000)]
    )
    biggest = max(sizes)
    scores_s, rows, times = time_scores(biggest)
    print(f"  read_scores, {biggest:,} bids ({rows:,} rows): {scores_s:.2f} s", flush=True)
    check = time_check()
    print(f"  check on one bid: {check[0]:.2f} s, imports {check[1]:.2f} s", flush=True)
    place_section, place_s = ([], None) if options.no_place else time_place(2)
    help_times = time_help()
    fixed = time_fixed()
    print(console_table(cases, help_times[0] / help_times[1]), flush=True)

    profiles = {}
    for n in profile_sizes:
        print(f"Profiling evaluate on {n:,} bids (py-spy, workers included)...", flush=True)
        result = profile(n)
        if result is not None:
            profiles[n] = result

    tree_now = working_tree_digest()
    provenance = [
        f"- Measured code: a snapshot of clc_tender/ and schemas/ taken at the start of the run "
        f"(SHA-256 {digest[:16]}…, in {CODE.relative_to(ROOT)}), imported through PYTHONPATH by "
        "every measured command, so that edits made during the run do not mix versions. "
        + (
            "The working tree still matched it at the end."
            if tree_now == digest
            else f"The working tree changed during the run (now {tree_now[:16]}…): these "
            f"numbers are "
            "of the snapshot."
        ),
        f"- Inputs: {inputs_note(sorted({*sizes, *profile_sizes}))}.",
    ]
    measured = Measured(
        cases,
        help_times,
        fixed,
        letters,
        (biggest, scores_s, rows, times),
        check,
        place_s,
        place_section,
    )
    text = report(measured, profiles, started_at, time.perf_counter() - started, provenance)
    options.out.write_text(text)
    print(f"Written {options.out}")


if __name__ == "__main__":
    main()
