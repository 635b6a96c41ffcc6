"""A round of the framework as one library call: ``run_round(RoundRequest) -> RoundResult``.

It owns what a round needs besides its rules: the register of a re-opening and the s.49
limits, the bids read on every core while the officers' workbooks are, the ``Inputs``
ledger of the officers' files, and the shortlist written. ``cli.py`` only parses options,
calls it and renders the result. Heavy libraries are imported after the reading has started,
so that they load while the bids are read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Refusal
from .tender import Tender
from .workbook_format import Format

if TYPE_CHECKING:
    from .evaluate import RoundContext
    from .read.ours import Shortlist
    from .read.pool import BidReading
    from .results import Evaluation, InputFile

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RoundRequest:
    """What the officer asked for: a round 1 evaluation, or a re-opening (``register`` and
    ``deadline`` given)."""

    bids_dir: Path
    tender: Tender
    fmt: Format
    out: Path | None = None  # default shortlist.xlsx, or shortlist-round-N.xlsx
    force: bool = False
    scores: Path | None = None
    decisions: Path | None = None
    register: Path | None = None
    deadline: dt.datetime | None = None  # a re-opening's deadline
    award_date: dt.date | None = None  # a re-opening's planned award (default: see s.49 rules)
    receipts: Path | None = None  # the portal's receipt times: lateness judged on them
    tender_file: Path | None = None  # the definition's file, when one was named (an input)


@dataclass(frozen=True)
class RoundResult:
    evaluation: Evaluation
    out: Path


def run_round(request: RoundRequest, progress: Progress | None = None) -> RoundResult:
    """Check the request, read and evaluate the round, write the shortlist."""
    from .read.files import list_folder
    from .read.pool import BidReading
    from .write.atomic import check_output

    _check(request)
    officers = [
        p for p in (request.scores, request.decisions, request.register, request.receipts) if p
    ]
    paths, skipped = list_folder(request.bids_dir, exclude=officers)
    if request.out is not None:  # an earlier shortlist of ours in the folder: replaced, not read
        ours = _ours(request.out, paths, request.tender)
        paths = [p for p in paths if p not in ours]
    inputs = [*officers, *([request.tender_file] if request.tender_file else []), *paths]
    if request.out is not None:  # before any bid is read; never an input, even with --force
        check_output(request.out, request.force, inputs, [".xlsx"], "the shortlist")
    with BidReading(paths, request.tender, request.fmt) as reading:  # the rest overlaps with it
        return _finish(request, reading, skipped, progress, inputs)


def _ours(out: Path, paths: list[Path], tender: Tender) -> list[Path]:
    """The bid path that is ``out`` when it is an earlier shortlist of ours (else none)."""
    from .read.files import read_regular
    from .read.guards import inspect_bytes
    from .write.atomic import same_files

    same = same_files(out, paths)
    if same and out.is_file():
        if inspect_bytes(read_regular(out), out.name, tender.limits).producer == "shortlist":
            return same
    return []


def default_out(round_number: int) -> Path:
    return Path("shortlist.xlsx" if round_number == 1 else f"shortlist-round-{round_number}.xlsx")


def _check(request: RoundRequest) -> None:
    if not request.bids_dir.is_dir():
        why = "not a folder" if request.bids_dir.exists() else "no such folder"
        raise Refusal(f"{request.bids_dir}: {why}")
    if request.register is not None and not request.register.is_file():
        raise Refusal(f"{request.register}: no such file")
    if request.register is not None and request.deadline is None:
        raise Refusal("a re-opening needs --deadline")


def _finish(
    request: RoundRequest,
    reading: BidReading,
    skipped: list[InputFile],
    progress: Progress | None,
    inputs: list[Path],
) -> RoundResult:
    from .evaluate import evaluate
    from .read.frames import collect
    from .write.shortlist import write_shortlist

    context, out = _context(request, inputs)
    frames = collect(reading, request.tender, request.fmt, skipped=skipped, progress=progress)
    notes = list(context.warnings)
    if not frames.reads:
        notes.append(f"no .xlsx bids were found in {request.bids_dir}")
    if request.scores is None and frames.reads:
        notes.append(
            "no --scores workbook was given: every bid is referred with quality not scored"
        )
    if request.receipts is None and frames.reads:
        notes.append(
            "lateness was judged on Submitted at, the bidder's own statement; give"
            " --receipts (the portal's receipt times) to judge it on when each bid"
            " was received"
        )
    context = dataclasses.replace(context, warnings=tuple(notes))
    ev = evaluate(frames, request.tender, request.fmt, context)
    del frames, context  # the bids' frames and the scores: the evaluation holds what it needs
    write_shortlist(ev, out, force=request.force)
    return RoundResult(ev, out)


def _context(request: RoundRequest, given: list[Path]) -> tuple[RoundContext, Path]:
    """The register (s.49 checked), the officers' workbooks read and hashed, the output."""
    from .evaluate import RoundContext
    from .read.files import input_file
    from .read.panel import OfficerBook, read_decisions, read_panel, read_scores
    from .read.receipts import read_receipts
    from .write.atomic import check_output

    tender = request.tender
    inputs: list[InputFile] = []
    context, register = RoundContext(), None
    if request.register is not None:
        from .contract import PANEL, UPLIFTS
        from .read.ours import read_shortlist

        previous = read_shortlist(request.register, tender, optional=(UPLIFTS, PANEL))
        context = _reopening(request, previous)
        register = input_file(
            request.register, "register", f"members carried from round {previous.round}"
        )
    out = request.out or default_out(context.round_number)
    check_output(out, request.force, given, [".xlsx"], "the shortlist")
    scores = panel = None
    if request.scores is not None:  # opened and guarded once for both its sheets
        book = OfficerBook.open(request.scores, tender)
        scores = read_scores(request.scores, tender, book)
        panel = read_panel(request.scores, tender, book)
        del book
    decisions = read_decisions(request.decisions, tender) if request.decisions else None
    receipts = read_receipts(request.receipts, tender) if request.receipts else None
    if request.scores is not None:
        inputs.append(input_file(request.scores, "scores", "the panel's quality scores"))
    if request.decisions is not None:
        inputs.append(
            input_file(request.decisions, "decisions", "the officers' decisions on referrals")
        )
    if request.receipts is not None:
        inputs.append(
            input_file(
                request.receipts,
                "receipts",
                "the portal's receipt times: lateness judged on Received at",
            )
        )
    context = dataclasses.replace(
        context,
        scores=scores.frame if scores else None,
        scores_file=request.scores.name if request.scores else "",
        panel=panel,
        decisions=decisions.frame if decisions else None,
        decisions_file=request.decisions.name if request.decisions else "",
        receipts=receipts,
        inputs=(*inputs, register) if register is not None else tuple(inputs),
    )
    return context, out


def _reopening(request: RoundRequest, previous: Shortlist) -> RoundContext:
    from .contract import UPLIFTS
    from .evaluate import RoundContext
    from .read.ours import missing_services, read_declarations
    from .rules import months_after
    from .rules.reopening import default_award, reopening_limits

    tender = request.tender
    assert request.deadline is not None
    round_number = previous.round + 1
    ends = months_after(tender.framework_end, 12 * tender.extension_years)
    award = request.award_date or default_award(request.deadline, previous.rounds[0])
    limits = reopening_limits(request.deadline, award, previous.rounds, ends)
    if limits.refusal:
        raise Refusal(limits.refusal)
    return RoundContext(
        deadline=request.deadline,
        round_number=round_number,
        first_deadline=previous.first_deadline,
        first_award=previous.first_award,
        members=previous.members,
        warnings=(*limits.warnings, *missing_services(previous)),
        award_date=award,
        rounds=previous.rounds,
        uplifts=tuple(
            {col.key: row.get(col.key) for col in UPLIFTS.columns} for row in previous.rows(UPLIFTS)
        ),  # carried forward as they were
        earlier_panel=read_declarations(previous, tender),
    )
