"""Run one command and report its wall time and peak memory as JSON on stdout.

    python bench/measure.py COMMAND [ARG ...]

A fresh process per measured run, so ``RUSAGE_CHILDREN``'s ``ru_maxrss`` is the peak resident
set of that one command (and its own children), not of earlier runs. The wall time covers
process start, interpreter start-up, imports and the work. The command's stdout is discarded;
its stderr is passed back in the JSON (last 4,000 characters) for a failed run.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    command = sys.argv[1:]
    if not command:
        sys.exit("usage: measure.py COMMAND [ARG ...]")
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump(
        {
            "wall_s": wall,
            "maxrss_kib": usage.ru_maxrss,  # KiB on Linux
            "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime,
            "returncode": done.returncode,
            "stderr": done.stderr.decode(errors="replace")[-4000:],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
