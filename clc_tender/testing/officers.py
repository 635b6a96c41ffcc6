"""Builds the officers' workbooks for tests, samples and benchmarks: scores (with the panel's
declarations), decisions, requests and exclusions, with the headers of ``contract.py``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from .. import contract
from .bidgen import _put

SCORES_HEADER = tuple(contract.SCORES.headers().values())
PANEL_HEADER = tuple(c.header for c in contract.PANEL_DECLARATIONS.columns)
DECISIONS_HEADER = tuple(contract.DECISIONS.headers().values())


def _write_simple(
    path: Path,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    more: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = (),
) -> None:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = sheet
    for name, head, body in ((sheet, header, rows), *more):
        ws = first if name == sheet else wb.create_sheet(name)
        ws.append(list(head))
        for number, row in enumerate(body, start=2):
            for i, value in enumerate(row, start=1):
                if value is not None:
                    _put(ws.cell(number, i), value)
    wb.save(path)


def write_scores(
    rows: Iterable[tuple[str, str, str, str, int | str | None, str]],
    path: Path,
    panel: Iterable[Sequence[Any]] | None = None,
) -> None:
    """The evaluation panel's scores workbook: (bid reference, lot, question, evaluator, score,
    comment) rows on sheet ``Scores``; with ``panel``, the ``Panel`` sheet of declarations
    (evaluator, name, role, conflict, bid references, mitigation, declared on)."""
    more = [("Panel", PANEL_HEADER, panel)] if panel is not None else []
    _write_simple(path, "Scores", SCORES_HEADER, rows, more)


def write_decisions(rows: Iterable[tuple[Any, ...]], path: Path) -> None:
    """The officers' decisions workbook: (bid reference, lot, code, decision, reason, officer,
    date) rows on sheet ``Decisions``."""
    _write_simple(path, "Decisions", DECISIONS_HEADER, rows)


REQUESTS_HEADER = (
    "Request",
    "Lot",
    "Home postcode",
    "Support needs",
    "Days",
    "Band",
    "Hours per week",
    "Max distance (km)",
)
EXCLUSIONS_HEADER = ("Provider ID", "Reason", "Officer", "Date")


def write_requests(
    rows: Iterable[tuple[Any, ...]], path: Path, header: Sequence[str] = REQUESTS_HEADER
) -> None:
    """The brokerage team's requests workbook for ``place``: (request, lot, home postcode,
    support needs, days, band, hours per week, max distance) rows on sheet ``Requests``."""
    _write_simple(path, "Requests", tuple(header), rows)


def write_exclusions(rows: Iterable[tuple[Any, ...]], path: Path) -> None:
    """The officers' exclusions for ``place``: (provider ID, reason, officer, date) rows."""
    _write_simple(path, "Exclusions", EXCLUSIONS_HEADER, rows)
