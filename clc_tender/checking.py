"""``check``: a bidder's or an officer's look at workbooks before any evaluation.

Everything that depends only on the workbook and the tender definition (reading, prices
against their ranges, finance, insurance, policies, safeguarding), per file, with a verdict;
lateness and quality are ``evaluate``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import Refusal
from .findings import Finding, Severity
from .tender import Tender
from .workbook_format import Format


@dataclass(frozen=True)
class FileCheck:
    file: str
    findings: tuple[Finding, ...]
    skipped: str = ""  # why the file was not checked (one of our own outputs)

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def failed(self) -> bool:
        return self.count(Severity.ERROR) > 0

    @property
    def verdict(self) -> str:
        """``FAIL: 2 errors, 1 warning`` or ``OK: no errors``."""
        if self.skipped:
            return f"skipped: {self.skipped}"
        errors, referrals = self.count(Severity.ERROR), self.count(Severity.REFERRAL)
        warnings = self.count(Severity.WARNING)
        parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else ["no errors"]
        if referrals:
            parts.append(f"{referrals} for an officer to review")
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        return ("FAIL: " if errors else "OK: ") + ", ".join(parts)


def files_to_check(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The workbooks named or in the folders named, and a note for each file skipped."""
    from .read.files import list_folder, not_regular
    from .read.guards import classify

    files: list[Path] = []
    notes: list[str] = []
    for path in paths:
        exists = path.exists() or path.is_symlink()
        what = not_regular(path) if exists else ""
        if path.is_dir():
            files += list_folder(path)[0]
        elif not exists:
            raise Refusal(f"{path}: no such file or folder")
        elif what:  # a pipe, a device, a broken link: never opened
            notes.append(f"{path} is {what}; skipped")
        elif classify(path) == "skip":
            notes.append(f"{path} is not an .xlsx workbook; skipped")
        else:
            files.append(path)
    if not files:
        raise Refusal("no .xlsx workbooks to check")
    return files, notes


def check_files(files: list[Path], tender: Tender, fmt: Format) -> list[FileCheck]:
    """Every workbook read (on every core) and checked; one result per file, in order."""
    from .evaluate import assess, relevant
    from .read.frames import read_files
    from .rules import lots_by_bid

    frames = read_files(files, tender, fmt)
    findings = assess(frames, tender, fmt, tender.deadline)
    lots = lots_by_bid(frames.bids, tender.lot_names)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    checked = [
        FileCheck(read.file, tuple(relevant(by_file.get(read.file, []), lots.get(index, ()))))
        for index, read in enumerate(frames.reads)
    ]
    return checked + [  # our own outputs (a shortlist, letters) are not bids
        FileCheck(i.file, (), i.note) for i in frames.inputs if i.status == "skipped"
    ]
