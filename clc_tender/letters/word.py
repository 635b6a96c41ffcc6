"""The Word letters of ``clc-tender letters --docx``: one A4 letter per bid, all its lots.

Laid out as a council letter: letterhead, addressee, date and references, the decision in
bold, numbered reasons and conditions, the quality scores beside the highest admitted (each
question by its title and weight, with the scale, minimum and pass mark), the prices against
their ranges, the standstill, the council's contact and the signatory. Nothing a bidder typed
becomes a field or a link: it is written as plain runs, XML-invalid characters dropped.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .. import formats
from ..rules.standstill import STANDSTILL_WORKING_DAYS
from ..write.atomic import atomic_output, check_output
from . import docx_parts
from .model import Letter, LetterSet

BLUE = (0x1F, 0x3A, 0x5F)
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def safe_file_stem(text: str) -> str:
    """A file name stem from a bid reference: letters, digits, ``.``, ``_``, ``-`` only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")[:80].strip(".-_")
    if not stem:
        return "bid"
    if stem.split(".")[0].casefold() in _RESERVED:
        stem = f"bid-{stem}"
    return stem


def _group(letters: Iterable[Letter]) -> list[list[Letter]]:
    """The letters of each bid (bid reference and file: two files with the same bid reference
    are two bids), in order of first appearance."""
    groups: dict[tuple[str, str], list[Letter]] = {}
    for letter in letters:
        groups.setdefault((letter.bid_reference, letter.file), []).append(letter)
    return list(groups.values())


def word_letter_paths(letters: LetterSet, folder: Path) -> list[tuple[Path, list[Letter]]]:
    """Where each bid's Word letter goes: ``<bid reference>.docx`` (sanitised; a file with no
    readable bid reference is named after the file), distinct even without case. A bid
    reference used by another file too: the first file's letter is ``<bid reference>.docx``,
    the others' ``<bid reference>-<file stem>.docx``."""
    taken: set[str] = set()
    plan = []
    refs: set[str] = set()
    for group in _group(letters.letters):
        first = group[0]
        if first.bid_reference and first.bid_reference in refs:
            stem = safe_file_stem(first.bid_reference)
            if first.file:
                stem = safe_file_stem(f"{stem}-{Path(first.file).stem}")
        elif first.bid_reference:
            refs.add(first.bid_reference)
            stem = safe_file_stem(first.bid_reference)
        else:
            stem = "unreadable-" + safe_file_stem(
                Path(first.file).stem if first.file else "response"
            )
        name, n = stem, 1
        while name.casefold() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.casefold())
        plan.append((Path(folder) / f"{name}.docx", group))
    return plan


def write_word_letters(letters: LetterSet, folder: Path, force: bool = False) -> list[Path]:
    """One Word letter per bid in ``folder`` (created when missing); returns the paths.

    Every target is checked before any is written: without ``force`` an existing file raises
    :class:`OutputExists` and nothing is written. Each file is written atomically.
    """
    folder = Path(folder)
    plan = word_letter_paths(letters, folder)
    for path, _ in plan:
        check_output(path, force, folder_exists=False)  # the folder is made when missing
    folder.mkdir(parents=True, exist_ok=True)
    workers = min(os.cpu_count() or 1, 4)
    if len(plan) < PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
        _write_plan(letters, plan, force, _new_parts(letters))
        return [path for path, _ in plan]
    global _JOB
    _JOB = (letters, plan, force)  # the forked workers inherit it: nothing is pickled
    try:
        chunks = [range(i, len(plan), workers * 4) for i in range(workers * 4)]
        with ProcessPoolExecutor(
            workers, mp_context=mp.get_context("fork"), initializer=_start_worker
        ) as pool:
            list(pool.map(_write_chunk, chunks))  # a worker's exception is raised here
    finally:
        _JOB = None
    return [path for path, _ in plan]


PARALLEL_FROM = 40  # letters; fewer are written in this process
_JOB: tuple[LetterSet, list[tuple[Path, list[Letter]]], bool] | None = None
_PARTS: docx_parts.Parts | None = None  # a worker's own


def _new_parts(letters: LetterSet) -> docx_parts.Parts:
    """The letters' package, made once in each process that writes letters (the workers
    only, from :data:`PARALLEL_FROM` letters on: the process that goes on to write the mail
    merge stays small)."""
    return docx_parts.Parts(
        docx_parts.clean(letters.authority),
        dt.datetime.combine(letters.letter_date, dt.time(9, 0)),
    )


def _start_worker() -> None:
    global _PARTS
    assert _JOB is not None
    _PARTS = _new_parts(_JOB[0])


def _write_chunk(indexes: range) -> None:
    """A worker process: the letters of ``indexes`` in the plan of :data:`_JOB`."""
    assert _JOB is not None and _PARTS is not None
    letters, plan, force = _JOB
    _write_plan(letters, [plan[i] for i in indexes], force, _PARTS)


def _write_plan(
    letters: LetterSet,
    plan: list[tuple[Path, list[Letter]]],
    force: bool,
    parts: docx_parts.Parts,
) -> None:
    for path, group in plan:
        _letter_document(letters, group, parts)
        with atomic_output(path, force) as tmp:
            parts.save(tmp)


def _letter_document(letters: LetterSet, group: list[Letter], parts: docx_parts.Parts) -> None:
    """The Word letter of one bid, every lot of ``group``, as the next letter of ``parts``."""
    writer = _Writer(letters, group, parts)
    writer.letterhead()
    writer.opening()
    for letter in group:
        writer.lot(letter)
    writer.closing()


class _Writer:
    """Builds one Word letter, section by section (python-docx imported only when used)."""

    def __init__(self, letters: LetterSet, group: list[Letter], parts: docx_parts.Parts) -> None:
        self.letters, self.group, self.first = letters, group, group[0]
        self.parts = parts
        first = self.first
        who = f"bid {first.bid_reference}" if first.bid_reference else f"file {first.file}"
        parts.begin(
            title=f"{letters.tender_title}: outcome of bid {first.bid_reference}".strip(),
            footer=f"{letters.tender_reference} · {who} · page ",
        )

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        align: Any = None,
        after: float | None = None,
        keep: bool = False,
        hanging: bool = False,
    ) -> None:
        """A paragraph of plain runs (never a field or a link); ``keep``: with the next;
        ``hanging``: a numbered item (``1.<tab>text``) indented 0.75 cm."""
        self.parts.para(text, bold=bold, align=align, after=after, keep=keep, hanging=hanging)

    def letterhead(self) -> None:
        """The council's name and the tender, the addressee, the date and the references."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        letters, first = self.letters, self.first
        right = WD_ALIGN_PARAGRAPH.RIGHT
        self.parts.para(letters.authority, bold=True, align=right, after=0, size=14, color=BLUE)
        self.parts.para(letters.tender_title, align=right, after=18, size=9)
        address = [
            first.contact_name,
            first.organisation,
            *docx_parts.address_lines(first.address),
            first.postcode,
        ]
        for line in [x for x in address if x]:
            self.para(line, after=0)
        self.para(after=6)
        self.para(formats.date(letters.letter_date), after=0)
        references = [f"Your bid reference: {first.bid_reference}" if first.bid_reference else ""]
        if letters.tender_reference:
            references.append(f"Tender reference: {letters.tender_reference}")
        for line in [x for x in references if x]:
            self.para(line, after=0)
        self.para(after=6)

    def opening(self) -> None:
        """The greeting, what the letter holds, and how bids were evaluated."""
        letters, first, group = self.letters, self.first, self.group
        self.para(f"Dear {first.contact_name}," if first.contact_name else "Dear Sir or Madam,")
        self.para(f"{letters.tender_title}: outcome of your bid", bold=True)
        lots = [x.lot for x in group if x.lot]
        if lots:
            which = " and ".join(f"the {lot} lot" for lot in lots)
            self.para(
                f"Thank you for your bid for {which}. This letter tells you the outcome of "
                "the evaluation for each lot with any reasons, your quality scores beside "
                "the highest scores of the admitted bids, and your prices against the "
                "published ranges."
            )
        else:
            self.para(
                "Thank you for your response to the tender. This letter tells you the "
                f"outcome for the file {first.file or 'you sent'}."
            )
        assessment = letters.assessment
        if assessment:  # every letter: the criteria, the scale, the minimum and the pass mark
            self.parts.heading("How bids were evaluated")
            for line in (assessment.criteria_text, assessment.scale_text, assessment.rules_text):
                if line:
                    self.para(line)
            if not any(s.score for letter in group for s in letter.scores):
                # no score table below names the questions: name them here
                self.para("The quality questions, with their weights:", after=2, keep=True)
                for question in assessment.questions:
                    self.para(question.heading, after=0)
                self.para(after=6)

    def lot(self, letter: Letter) -> None:
        """One lot: the decision, reasons and conditions, quality scores, prices."""
        from docx.shared import Cm

        self.parts.heading(f"{letter.lot} lot" if letter.lot else "Your response")
        # kept with what follows, so that a lot's heading and decision never end a page alone
        self.para(letter.decision, bold=True, keep=True)
        reasons_title = "Still to be settled" if letter.pending else "Reasons"
        for title, lines in ((reasons_title, letter.reasons), ("Conditions", letter.conditions)):
            if not lines:
                continue
            self.para(title, bold=True, after=2, keep=True)
            for i, line in enumerate(lines, start=1):
                self.para(f"{i}.\t{line}", after=3, hanging=True)
        if letter.quality_pct:
            self.para(
                f"Your quality score: {formats.percent(letter.quality_pct)}",
                bold=True,
                after=4,
                keep=bool(letter.scores),
            )
        assessment = self.letters.assessment
        headings = {q.id: q.heading for q in assessment.questions} if assessment else {}
        if any(s.score or s.explanation for s in letter.scores):  # nothing to show unscored
            self.para("Quality scores", bold=True, after=2, keep=True)
            rows = [
                (
                    headings.get(s.question)
                    or s.question + (f" ({s.weight}%)" if s.weight else ""),
                    s.score,
                    s.explanation,
                    s.highest_admitted,
                )
                for s in letter.scores
            ]
            self.parts.table(
                (
                    "Question (weight)",
                    "Your score",
                    "The panel's explanation",
                    "Highest admitted score",
                ),
                rows,
                (Cm(5.0), Cm(1.7), Cm(7.3), Cm(2.6)),
                centred=(1, 3),
            )
            self.para(after=2)
        if letter.prices:
            self.para("Your prices", bold=True, after=2, keep=True)
            self.parts.table(
                ("Band", "Your price", "Published range", "Inside the range"),
                [(p.band, formats.money(p.price), p.range_text, p.verdict) for p in letter.prices],
                (Cm(3.2), Cm(2.6), Cm(4.4), Cm(6.4)),
                centred=(1,),
            )
            self.para(after=2)

    def closing(self) -> None:
        """Next steps (the standstill), whom to ask, and the signature kept together."""
        letters, group = self.letters, self.group
        self.parts.heading("Next steps")
        decided = [letter for letter in group if letters.standstill_for(letter)]
        if decided and letters.standstill_ends and letters.standstill_from:
            self.para(
                f"The council will observe a standstill period of {STANDSTILL_WORKING_DAYS} "
                "working days from the publication of the award notice on "
                f"{formats.date(letters.standstill_from, weekday=True)}. The standstill period "
                f"ends at midnight at the end of "
                f"{formats.date(letters.standstill_ends, weekday=True)}; "
                "the council will not enter into the framework agreement before then."
            )
        if any(letter.pending for letter in group):
            self.para(
                "Where a lot is still being considered, we will write to you again with "
                "the decision and its reasons."
            )
        quoting = (
            "your bid reference"
            if self.first.bid_reference
            else "the tender reference and the name of the file you sent"
        )
        self.para(_contact_sentence(letters, quoting), keep=True)
        self.para("Yours sincerely,", after=24, keep=True)
        contact = letters.contact
        if contact.signatory:
            self.para(contact.signatory, bold=True, after=0, keep=True)
            if contact.signatory_role:
                self.para(contact.signatory_role, after=0, keep=True)
            self.para(letters.authority, after=0)
        else:
            self.para(letters.authority, bold=True, after=0)


def _contact_sentence(letters: LetterSet, quoting: str) -> str:
    """Whom to ask: the council's contact of the tender definition, with email and telephone."""
    contact = letters.contact
    if not contact.name:
        return (
            "If you have any questions about this letter, please contact the procurement "
            f"team, quoting {quoting}."
        )
    who = ", ".join(x for x in (contact.name, contact.role) if x)
    how = " or ".join(
        x
        for x in (
            f"by email to {contact.email}" if contact.email else "",
            f"by telephone on {docx_parts.unbroken(contact.telephone)}"
            if contact.telephone
            else "",
        )
        if x
    )
    return (
        f"If you have any questions about this letter, please contact {who}"
        f"{', ' + how if how else ''}, quoting {quoting}."
    )
