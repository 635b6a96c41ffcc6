"""A profile by phase from py-spy's raw output, the pool's worker processes included.

``py-spy record --subprocesses --format raw`` writes one line per distinct stack:
``process PID:"COMMAND";frame;frame;... COUNT``, outermost frame first, each frame
``function (file:line)``. Idle samples are left out (no ``--idle``), so a phase's samples are
the time a process spent working in it, except that py-spy counts some blocking calls
(``select``, a write to a full pipe) as work: those are shown as waits. Each stack is given
the phase of its innermost frame that names one; a worker process is one whose stack runs
through ``read/pool.py``'s ``_serve``, a sheet writer one forked in ``write/apart.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# (phase, function, file suffix): the innermost matching frame names the phase
MAIN_PHASES: list[tuple[str, str, str]] = [
    # py-spy takes a thread blocked in select() for a working one: shown apart
    ("waiting on the workers (blocked in select)", "select", "selectors.py"),
    ("imports", "_find_and_load", ">"),
    ("scores workbook (read_scores)", "read_scores", "read/panel.py"),
    ("other officers' workbooks", "read_decisions", "read/panel.py"),
    ("other officers' workbooks", "read_receipts", "read/receipts.py"),
    ("other officers' workbooks", "read_shortlist", "read/ours.py"),
    ("writing the shortlist", "write_shortlist", "write/shortlist.py"),
    ("stacking frames", "add", "read/frames.py"),
    ("stacking frames", "frames", "read/frames.py"),
    ("stacking frames", "read", "read/stacking.py"),
    ("validation (pandera)", "validate", "validate.py"),
    ("rules", "price_findings", "rules/price.py"),
    ("rules", "quality", "rules/quality.py"),
    *(
        ("rules", name, "rules/gates.py")
        for name in (
            "deadline_findings",
            "eligibility_findings",
            "finance_findings",
            "insurance_findings",
            "policy_findings",
            "safeguarding_findings",
            "coverage_findings",
        )
    ),
    ("evaluation (outcomes, ledger)", "evaluate", "evaluate.py"),
    ("collecting reads from the workers (unpickling)", "__iter__", "read/pool.py"),
    ("collecting reads from the workers (unpickling)", "_collect", "read/pool.py"),
    ("collecting reads from the workers (unpickling)", "collect", "read/frames.py"),
    ("console summary", "evaluation_summary", "render.py"),
    ("tender definition", "load_tender", "tender.py"),
]
WORKER_PHASES: list[tuple[str, str, str]] = [
    ("guards (zip and XML checks)", "inspect_bytes", "read/guards.py"),
    ("guards (zip and XML checks)", "check_size", "read/guards.py"),
    ("openpyxl closer look", "_load", "read/cells.py"),
    ("cells (python-calamine and coercion)", "_read_cells", "read/workbook.py"),
    ("sending reads to the main process (pickling; waits on a full pipe)", "send", "connection.py"),
    ("hashing", "sha256_of", "read/files.py"),
    ("rows made for the frames (packing)", "pack", "read/stacking.py"),
]
_LINE = re.compile(r'^((?:process \d+:".*?";)+)(.*) (\d+)$')
_PROCESS = re.compile(r'process (\d+):"')
_FRAME = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")


@dataclass
class Profile:
    rate: int  # samples per second
    main: Counter[str] = field(default_factory=Counter)  # phase -> samples
    workers: Counter[str] = field(default_factory=Counter)
    writers: Counter[str] = field(default_factory=Counter)  # forked sheet writers
    functions: Counter[str] = field(default_factory=Counter)  # innermost frame -> samples
    worker_pids: set[str] = field(default_factory=set)
    writer_pids: set[str] = field(default_factory=set)

    def seconds(self, samples: int) -> float:
        return samples / self.rate


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for text in stack.split(";"):
        match = _FRAME.match(text)
        frames.append((match.group(1), match.group(2)) if match else (text, ""))
    return frames


def _phase(frames: list[tuple[str, str]], table: list[tuple[str, str, str]]) -> str:
    for function, file in reversed(frames):
        for phase, name, suffix in table:  # a method is named Class.name
            if (function == name or function.endswith("." + name)) and file.endswith(suffix):
                return phase
    return "other"


def parse(text: str, rate: int) -> Profile:
    profile = Profile(rate)
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        processes, stack, count = match.groups()
        pid = _PROCESS.findall(processes)[-1]  # a child's line names its parents first
        frames = _frames(stack)
        samples = int(count)
        if any(function == "_serve" and file.endswith("read/pool.py") for function, file in frames):
            profile.worker_pids.add(pid)
            profile.workers[_phase(frames, WORKER_PHASES)] += samples
        elif any(
            function.endswith("_fork") and file.endswith("write/apart.py")
            for function, file in frames
        ):  # a forked copy of the main process writing one sheet's rows (write/apart.py)
            profile.writer_pids.add(pid)
            profile.writers["a sheet's rows (XlsxWriter)"] += samples
        else:
            profile.main[_phase(frames, MAIN_PHASES)] += samples
        function, file = frames[-1]
        profile.functions[f"{function} ({_short(file)})"] += samples
    return profile


def _short(file: str) -> str:
    """A frame's file without the folders before the package (``pandas/core/frame.py``)."""
    if "clc_tender/" in file:
        return "clc_tender/" + file.split("clc_tender/", 1)[1]
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
