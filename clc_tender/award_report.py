"""``clc-tender report``: one library call from the command line. Checks the output before any
work, reads the shortlist (and the utilisation workbook), computes, writes the Word report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .errors import Refusal
from .read.files import sha256_of
from .tender import load_tender

REPORT_SUFFIX = ".docx"


@dataclass(frozen=True)
class ReportRequest:
    shortlist: Path
    out: Path
    author: str
    utilisation: Path | None = None
    tender: Path | None = None
    force: bool = False
    today: dt.date | None = None


@dataclass(frozen=True)
class ReportResult:
    out: Path
    sections: tuple[str, ...]
    warnings: tuple[str, ...]


def check_request(request: ReportRequest) -> None:
    """Refusals decided before any work: the inputs missing; the output's extension and
    folder, an input as the output (even with --force), an existing output without --force."""
    from .write.atomic import check_output

    if not request.shortlist.is_file():
        raise Refusal(f"{request.shortlist}: no such file")
    if request.utilisation is not None and not request.utilisation.is_file():
        raise Refusal(f"--utilisation {request.utilisation}: no such file")
    inputs = [p for p in (request.shortlist, request.utilisation, request.tender) if p is not None]
    check_output(request.out, request.force, inputs, [REPORT_SUFFIX], "the report (Word)")


def run_report(
    request: ReportRequest, progress: Callable[[str], None] | None = None
) -> ReportResult:
    """Write the award report; ``progress`` is called with the name of each step."""
    from .report_model import build, read_source
    from .write.report import InputRecord, ReportContent, write_report

    step = progress or (lambda _name: None)
    check_request(request)
    tender = load_tender(request.tender)
    step("Reading the shortlist")
    shortlist = read_source(request.shortlist, tender)
    report = build(shortlist, tender)
    inputs = [InputRecord(request.shortlist.name, "shortlist", sha256_of(request.shortlist))]
    forecast = None
    if request.utilisation is not None:
        from .forecast import forecast as make_forecast
        from .read.utilisation import read_utilisation

        step("Reading the utilisation workbook")
        utilisation = read_utilisation(request.utilisation, tender)
        admitted: dict[str, list[Decimal]] = {b.band: list(b.prices) for b in report.prices}
        forecast = make_forecast(tender, utilisation, admitted)
        inputs.append(
            InputRecord(request.utilisation.name, "utilisation", sha256_of(request.utilisation))
        )
    inputs.append(InputRecord(Path(tender.source).name, "tender definition", tender.sha256))
    warnings = []
    if report.definition_differs:
        warnings.append(
            f"the tender definition {Path(tender.source).name} is not the one the shortlist was "
            "evaluated with (SHA-256 differ); section 2 and the forecast use it"
        )
    run_at = dt.datetime.now(tender.tz).replace(microsecond=0)
    content = ReportContent(
        report,
        author=request.author,
        today=request.today or run_at.date(),
        run_at=run_at,
        inputs=inputs,
        forecast=forecast,
    )
    write_report(content, request.out, force=request.force, progress=step)
    sections = [
        "Summary",
        "How bids were evaluated",
        "Outcomes",
        "Prices",
        "Market coverage",
        "The evaluation panel",
        *(["Spend forecast"] if forecast is not None else []),
        "Record",
    ]
    return ReportResult(request.out, tuple(sections), tuple(warnings))
