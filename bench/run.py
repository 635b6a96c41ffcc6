"""The benchmark: clc-tender evaluate against a naive pandas reader, at 100, 1,000 and 10,000 bids.

    make bench                      # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --sizes 100,1000 --no-profile

Writes ``bench/results.md`` (machine, table, targets met or not, profile). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import pstats
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

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
RESULTS = BENCH / "results.md"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "clc-tender"
MIB = 1024 * 1024
# set by main(): the environment and working folder of every command that imports clc_tender
ENV: dict[str, str] = dict(os.environ)
CODE: Path = ROOT

# the targets
RATIO_AT_1000 = 0.3  # evaluate / naive wall time at 1,000 bids
SCALING_AT_10000 = 1.5  # per-bid cost at 10,000 / per-bid cost at 1,000
MEMORY_AT_10000 = 1024  # MiB, peak resident set of evaluate at 10,000 bids (strictly below)
HELP_RATIO = 15.0  # clc-tender --help / python -c pass
HELP_RUNS = 10
PACKAGES = ("clc-tender", "pandas", "numpy", "openpyxl", "python-calamine", "pandera", "typer", "rich",
            "XlsxWriter", "pyinstrument")


@dataclass
class Run:
    wall_s: float
    peak_mib: float


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


# --- running ---------------------------------------------------------------------------------


def measure(command: list[str]) -> Run:
    """Run ``command`` under bench/measure.py (a fresh process, so the peak is this run's)."""
    out = subprocess.run([str(PYTHON), str(BENCH / "measure.py"), *command], capture_output=True, text=True,
                         check=True, cwd=CODE, env=ENV)
    result = json.loads(out.stdout)
    if result["returncode"] != 0:
        sys.exit(f"failed (exit {result['returncode']}): {' '.join(command)}\n{result['stderr']}")
    return Run(result["wall_s"], result["maxrss_kib"] / 1024)


def evaluate_command(n: int) -> list[str]:
    case = CACHE / str(n)
    return [str(CLI), "evaluate", str(case / "bids"), "--scores", str(case / "scores.xlsx"),
            "--out", f"/tmp/clc-bench-shortlist-{n}.xlsx", "--force"]


def naive_command(n: int) -> list[str]:
    return [str(PYTHON), str(BENCH / "naive.py"), str(CACHE / str(n) / "bids")]


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
        print(f"  N={n:,} rep {rep}: evaluate {run.wall_s:7.2f} s  {run.peak_mib:7.1f} MiB", flush=True)
        run = measure(naive_command(n))
        case.naive.append(run)
        print(f"  N={n:,} rep {rep}: naive    {run.wall_s:7.2f} s  {run.peak_mib:7.1f} MiB", flush=True)
    return case


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
        result[name] = Run(statistics.median(r.wall_s for r in times), max(r.peak_mib for r in times))
    return result


def source_digest(package: Path, schemas: Path) -> str:
    """One SHA-256 over clc_tender's sources (``package``) and the bundled schemas."""
    files = [(f"clc_tender/{p.relative_to(package).as_posix()}", p) for p in package.rglob("*.py")
             if schemas not in p.parents]
    files += [(f"schemas/{p.relative_to(schemas).as_posix()}", p) for p in schemas.iterdir()
              if p.suffix in (".py", ".toml")]
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
        same = "the current bidgen.py" if made == current else f"an earlier bidgen.py ({str(made)[:12]})"
        notes.append(f"N={n:,} written {when} by {same}")
    return "; ".join(notes)


# --- profiling -------------------------------------------------------------------------------


Profile = tuple[str, str, pstats.Stats, float]


def profile(n: int) -> Profile:
    """(pyinstrument text of clc_tender's frames, of every frame, cProfile stats, cProfile wall
    time) of evaluate on ``n`` bids.

    The pyinstrument session is kept in bench/cache/ and rendered twice: every frame
    (``--show-all``, profile-N.txt) and clc_tender's frames only (profile-N-app.txt)."""
    args = evaluate_command(n)[1:]
    session = CACHE / f"profile-{n}.pyisession"
    subprocess.run([str(PYTHON), "-m", "pyinstrument", "-i", "0.002", "-r", "pyisession", "-o", str(session),
                    "-m", "clc_tender.cli", *args], stdout=subprocess.DEVNULL, check=True, cwd=CODE, env=ENV)
    text_path = CACHE / f"profile-{n}.txt"
    app_path = CACHE / f"profile-{n}-app.txt"
    for extra, path in ((["--show-all"], text_path), ([], app_path)):
        subprocess.run([str(PYTHON), "-m", "pyinstrument", f"--load={session}", "-r", "text", *extra,
                        "--no-color", "--unicode", "-p", "processor_options.filter_threshold=0.005",
                        "-o", str(path)], stdout=subprocess.DEVNULL, check=True, cwd=CODE, env=ENV)
    session.unlink()
    prof_path = CACHE / f"profile-{n}.prof"
    started = time.perf_counter()
    subprocess.run([str(PYTHON), "-m", "cProfile", "-o", str(prof_path), "-m", "clc_tender.cli", *args],
                   stdout=subprocess.DEVNULL, check=True, cwd=CODE, env=ENV)
    wall = time.perf_counter() - started
    return app_path.read_text(), text_path.read_text(), pstats.Stats(str(prof_path)), wall


def trim_tree(text: str, share: float = 0.01, limit: int = 150) -> str:
    """The pyinstrument tree without frames under ``share`` of the total (their parents stay)."""
    lines = text.splitlines()
    total = None
    kept: list[str] = []
    for line in lines:
        match = re.match(r"^[\s│├└─]*(\d+\.\d+)\s", line)
        if match is None:
            kept.append(line)
            continue
        seconds = float(match.group(1))
        total = total or seconds
        if seconds >= total * share:
            kept.append(line)
    if len(kept) > limit:
        kept = kept[:limit] + [f"… ({len(kept) - limit} more lines in bench/cache/)"]
    return "\n".join(kept).strip()


def stats_table(stats: pstats.Stats, sort: str, top: int = 25, only: str | None = None) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(sort)
    if only:
        stats.print_stats(only, top)
    else:
        stats.print_stats(top)
    text = out.getvalue()
    text = text.replace(str(CODE) + "/", "").replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")
    start = text.find("   ncalls")
    return text[start:].rstrip() if start >= 0 else text.rstrip()


# (label, [(file suffix, function name)]): cumulative time of the functions, summed
PHASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("imports (all, including those first made inside a phase below)",
     [("_bootstrap>", "_find_and_load")]),
    ("tender definition and response format", [("clc_tender/cli.py", "_load_tender")]),
    ("scores workbook (read_scores)", [("clc_tender/read/panel.py", "read_scores")]),
    ("reading the bids: BidReader.read, all files", [("clc_tender/read/workbook.py", "read")]),
    ("  of which guards (inspect_bytes: zip and XML checks)", [("clc_tender/read/guards.py", "inspect_bytes")]),
    ("  of which cells (python-calamine + coercion)", [("clc_tender/read/workbook.py", "_read_cells")]),
    ("  of which openpyxl closer looks (_CloserLook._load)", [("clc_tender/read/workbook.py", "_load")]),
    ("stacking frames (stack)", [("clc_tender/read/frames.py", "stack")]),
    ("validation (pandera: validate)", [("clc_tender/validate.py", "validate")]),
    ("rules: prices", [("clc_tender/rules/price.py", "price_findings")]),
    ("rules: gates", [("clc_tender/rules/gates.py", name) for name in (
        "deadline_findings", "eligibility_findings", "finance_findings", "insurance_findings",
        "policy_findings", "safeguarding_findings", "coverage_findings")]),
    ("rules: quality", [("clc_tender/rules/quality.py", "quality")]),
    ("evaluate, all (validation + rules + outcomes)", [("clc_tender/evaluate.py", "evaluate")]),
    ("writing the shortlist (write_shortlist)", [("clc_tender/write/shortlist.py", "write_shortlist")]),
    ("console summary (render.evaluation_summary)", [("clc_tender/render.py", "evaluation_summary")]),
]


def phases(stats: pstats.Stats) -> list[tuple[str, float]]:
    table = stats.stats  # type: ignore[attr-defined]
    result = []
    for label, functions in PHASES:
        seconds = 0.0
        found = False
        for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
            if any(file.endswith(suffix) and name == fn for suffix, fn in functions):
                seconds += ct
                found = True
        if found:
            result.append((label, seconds))
    return result


def own_hot_spots(stats: pstats.Stats, top: int = 12) -> list[tuple[str, float, float, int]]:
    """clc_tender functions by own time: (name, own s, cumulative s, calls)."""
    rows = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "clc_tender/" in file:
            rows.append((f"{file.split('clc_tender/', 1)[1]}:{line} {name}", tt, ct, nc))
    return sorted(rows, key=lambda r: -r[1])[:top]


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
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {sys.executable}",
        f"- Packages: {', '.join(versions)}",
    ]


def table(cases: list[Case]) -> list[str]:
    rows = [
        "| N | evaluate s | naive s | ratio | ms per bid (evaluate) | peak MiB (evaluate) | peak MiB (naive) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows.extend(f"| {c.n:,} | {c.evaluate_s:.2f} | {c.naive_s:.2f} | {c.ratio:.2f}× | {c.ms_per_bid:.2f} "
                f"| {c.evaluate_mib:.0f} | {c.naive_mib:.0f} |" for c in cases)
    return rows


def console_table(cases: list[Case], help_ratio: float) -> str:
    head = f"{'N':>7} {'evaluate s':>11} {'naive s':>9} {'ratio':>7} {'ms/bid':>8} {'eval MiB':>9} {'naive MiB':>10}"
    lines = [head, "-" * len(head)]
    lines.extend(f"{c.n:>7,} {c.evaluate_s:>11.2f} {c.naive_s:>9.2f} {c.ratio:>6.2f}× {c.ms_per_bid:>8.2f} "
                 f"{c.evaluate_mib:>9.0f} {c.naive_mib:>10.0f}" for c in cases)
    lines.append(f"--help / python -c pass: {help_ratio:.1f}×")
    return "\n".join(lines)


def targets(cases: list[Case], help_s: float, pass_s: float) -> list[str]:
    by_n = {c.n: c for c in cases}
    lines = ["| target | measured | |", "|---|---|---|"]

    def mark(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    if 1000 in by_n:
        c = by_n[1000]
        lines.append(f"| 1,000 bids: evaluate ≤ {RATIO_AT_1000}× naive | {c.evaluate_s:.2f} s / {c.naive_s:.2f} s "
                     f"= {c.ratio:.2f}× | {mark(c.ratio <= RATIO_AT_1000)} |")
    if 1000 in by_n and 10000 in by_n:
        small, big = by_n[1000], by_n[10000]
        scale = big.ms_per_bid / small.ms_per_bid
        lines.append(f"| 10,000 bids: per-bid cost ≤ {SCALING_AT_10000}× that at 1,000 | {big.ms_per_bid:.2f} ms / "
                     f"{small.ms_per_bid:.2f} ms = {scale:.2f}× | {mark(scale <= SCALING_AT_10000)} |")
    if 10000 in by_n:
        big = by_n[10000]
        lines.append(f"| 10,000 bids: evaluate peak memory < 1 GiB | {big.evaluate_mib:.0f} MiB "
                     f"| {mark(big.evaluate_mib < MEMORY_AT_10000)} |")
    ratio = help_s / pass_s
    lines.append(f"| `clc-tender --help` ≤ {HELP_RATIO:.0f}× `python -c pass` | {help_s * 1000:.0f} ms / "
                 f"{pass_s * 1000:.0f} ms = {ratio:.1f}× | {mark(ratio <= HELP_RATIO)} |")
    return lines


def samples(cases: list[Case]) -> list[str]:
    lines = []
    for c in cases:
        ev = ", ".join(f"{r.wall_s:.2f} s / {r.peak_mib:.0f} MiB" for r in c.evaluate)
        nv = ", ".join(f"{r.wall_s:.2f} s / {r.peak_mib:.0f} MiB" for r in c.naive)
        lines.append(f"- N={c.n:,}: evaluate {ev}; naive {nv}")
    return lines


def time_place(reps: int = 2) -> list[str]:
    """``clc-tender place`` on 700 requests against a register of 150 members with 400 services
    (inputs by bench/place_inputs.py, rebuilt each run): wall time and peak of the command, its
    fixed cost (one request), the per-request cost, and the steps of one run in-process (the
    postcode data is loaded once per run). Returns the report's section."""
    folder = CACHE / "place"
    subprocess.run([str(PYTHON), str(BENCH / "place_inputs.py"), str(folder)], check=True,
                   cwd=CODE, env=ENV, capture_output=True)
    out = "/tmp/clc-bench-placements.xlsx"

    def command(requests: str) -> list[str]:
        return [str(CLI), "place", str(folder / "register.xlsx"), "--requests",
                str(folder / requests), "--out", out, "--force"]

    full, one = [], []
    for _ in range(reps):  # alternating
        full.append(measure(command("requests.xlsx")))
        one.append(measure(command("requests-1.xlsx")))
    steps = json.loads(subprocess.run(
        [str(PYTHON), str(BENCH / "place_inputs.py"), "--phases", str(folder / "register.xlsx"),
         str(folder / "requests.xlsx"), out], check=True, cwd=CODE, env=ENV,
        capture_output=True, text=True).stdout)
    wall = statistics.median(r.wall_s for r in full)
    fixed = statistics.median(r.wall_s for r in one)
    n = int(steps["requests"])
    per_request = (wall - fixed) / (n - 1) * 1000
    print(f"  place: {n} requests {wall:.2f} s, 1 request {fixed:.2f} s, "
          f"{per_request:.1f} ms per request", flush=True)
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
        + ", ".join(f"{r.wall_s:.2f} s" for r in full) + " (700); "
        + ", ".join(f"{r.wall_s:.2f} s" for r in one) + " (1).",
        "",
        f"One run in-process, step by step (the postcode data loaded "
        f"{int(steps['postcode loads'])} time(s), for the areas of every postcode at once):",
        "",
        "| step | s |",
        "|---|---:|",
        *(f"| {k} | {float(steps[k]):.2f} |" for k in timed),
    ]


def report(cases: list[Case], help_times: tuple[float, float, list[float], list[float]],
           fixed: dict[str, Run], prof: Profile | None, profile_n: int, started: dt.datetime,
           elapsed: float, provenance: list[str]) -> str:
    help_s, pass_s, helps, passes = help_times
    out = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} (local time) by `bench/run.py`, {elapsed / 60:.1f} min in all. "
        "Regenerated on every run; see bench/README.md for what is measured.",
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
        "Wall time (median of the runs; process start, interpreter, imports and work) and peak resident "
        "set (`ru_maxrss` of a fresh wrapper's children) of `clc-tender evaluate BIDS --scores S --out O "
        "--force` (evaluate) and of `bench/naive.py BIDS`, which only calls `pandas.read_excel(path, "
        "sheet_name=None, engine=\"openpyxl\")` on every bid workbook (naive). Ratio = evaluate / naive.",
        "",
        *table(cases),
        "",
        f"`clc-tender --help`: {help_s * 1000:.0f} ms; `python -c pass`: {pass_s * 1000:.0f} ms "
        f"(medians of {HELP_RUNS}, alternating); ratio {help_s / pass_s:.1f}×.",
        "",
        f"Fixed cost, each command on 1 bid (median of 3): evaluate {fixed['evaluate'].wall_s:.2f} s / "
        f"{fixed['evaluate'].peak_mib:.0f} MiB; naive {fixed['naive'].wall_s:.2f} s / {fixed['naive'].peak_mib:.0f} MiB. "
        "Per-bid cost net of it: "
        + "; ".join(f"N={c.n:,} evaluate {(c.evaluate_s - fixed['evaluate'].wall_s) / (c.n - 1) * 1000:.2f} ms, "
                    f"naive {(c.naive_s - fixed['naive'].wall_s) / (c.n - 1) * 1000:.2f} ms" for c in cases if c.n > 1)
        + ".",
        "",
        "Every run (alternating evaluate, naive):",
        "",
        *samples(cases),
        f"- --help: {', '.join(f'{t * 1000:.0f}' for t in helps)} ms; python -c pass: "
        f"{', '.join(f'{t * 1000:.0f}' for t in passes)} ms",
        "",
        "## Targets",
        "",
        *targets(cases, help_s, pass_s),
    ]
    if prof is not None:
        app_text, all_text, stats, wall = prof
        total = stats.total_tt  # type: ignore[attr-defined]
        out += [
            "",
            f"## Profile: evaluate on {profile_n:,} bids",
            "",
            f"### Where the time goes (from cProfile, {total:.1f} s profiled, {wall:.1f} s wall under cProfile)",
            "",
            "Cumulative time of the pipeline's steps; cProfile slows Python-heavy code more than C, so "
            "read the shares, not the seconds. Imports overlap the steps that first make them.",
            "",
            "| step | s | share |",
            "|---|---:|---:|",
            *(f"| {label} | {seconds:.2f} | {seconds / total:.0%} |" for label, seconds in phases(stats)),
            "",
            "clc_tender functions by own time:",
            "",
            "| function | own s | cumulative s | calls |",
            "|---|---:|---:|---:|",
            *(f"| `{name}` | {own:.2f} | {cum:.2f} | {calls:,} |" for name, own, cum, calls in own_hot_spots(stats)),
            "",
            f"### pyinstrument, clc_tender's frames (library frames folded; bench/cache/profile-{profile_n}-app.txt)",
            "",
            "```",
            trim_tree(app_text, share=0.005, limit=200),
            "```",
            "",
            f"### pyinstrument --show-all (frames under 2% left out; all of it in bench/cache/profile-{profile_n}.txt)",
            "",
            "```",
            trim_tree(all_text, share=0.02),
            "```",
            "",
            "### cProfile: top 25 by cumulative time",
            "",
            "```",
            stats_table(stats, "cumulative"),
            "```",
            "",
            "### cProfile: top 25 by own time",
            "",
            "```",
            stats_table(stats, "tottime"),
            "```",
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of bids (default 100,1000,10000)")
    parser.add_argument("--reps", type=int, default=2, help="runs of each command for N ≤ 1,000 (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="processes generating bids (default 2)")
    parser.add_argument("--profile-n", type=int, default=1000, help="bids in the profiled run (default 1000)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the report (default bench/results.md)")
    parser.add_argument("--place-only", action="store_true",
                        help="time only place (printed, bench/results.md left as it is)")
    options = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in options.sizes.split(",") if s.strip()]
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
        print("\n".join(time_place(options.reps)))
        return
    print("Inputs:", flush=True)
    for n in sorted({1, *sizes, *([] if options.no_profile else [options.profile_n])}):
        prepare(n, options.workers)

    print("Timing:", flush=True)
    cases = [time_case(n, options.reps if n <= 1000 else 1) for n in sizes]
    help_times = time_help()
    fixed = time_fixed()
    print(console_table(cases, help_times[0] / help_times[1]), flush=True)
    place_section = time_place(options.reps)

    prof = None
    if not options.no_profile:
        print(f"Profiling evaluate on {options.profile_n:,} bids (pyinstrument, then cProfile)...", flush=True)
        prof = profile(options.profile_n)

    tree_now = working_tree_digest()
    provenance = [
        f"- Measured code: a snapshot of clc_tender/ and schemas/ taken at the start of the run "
        f"(SHA-256 {digest[:16]}…, in {CODE.relative_to(ROOT)}), imported through PYTHONPATH by every "
        "measured command, so that edits made during the run do not mix versions. "
        + ("The working tree still matched it at the end." if tree_now == digest else
           f"The working tree changed during the run (now {tree_now[:16]}…): these numbers are of the snapshot."),
        f"- Inputs: {inputs_note(sorted({*sizes, *([] if options.no_profile else [options.profile_n])}))}.",
    ]
    text = report(cases, help_times, fixed, prof, options.profile_n, started_at,
                  time.perf_counter() - started, provenance)
    text += "\n" + "\n".join(place_section) + "\n"
    options.out.write_text(text)
    print(f"Written {options.out}")


if __name__ == "__main__":
    main()
