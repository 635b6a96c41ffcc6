"""The award report as a Word document (``report.md``): A4, a title block, numbered sections,
tables whose header rows repeat across pages, charts with captions whose figures are also in a
table, page numbers. Everything is text: nothing a bidder typed becomes a field or a link.

Built from a :class:`~clc_tender.report_model.Report` (and an optional spend
:class:`~clc_tender.forecast.Forecast`); the layout is :mod:`clc_tender.write.word`'s, the
charts :mod:`clc_tender.write.charts`'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..contract import INPUTS
from ..findings import long_date
from ..forecast import Forecast
from ..report_model import Report
from .atomic import atomic_output
from .report_evaluation import method_section, outcomes_section, panel_section, summary_section
from .report_market import coverage_section, forecast_section, prices_section
from .report_text import InputRecord, moment_text
from .word import BLUE, TableSpec, WordDocument, clean

__all__ = ["InputRecord", "Progress", "ReportContent", "write_report"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReportContent:
    """What the report says: the model, who wrote it when, the files read, the forecast."""

    report: Report
    author: str
    today: dt.date
    run_at: dt.datetime
    inputs: Sequence[InputRecord]
    forecast: Forecast | None = None
    forecast_notes: Sequence[str] = ()


def write_report(
    content: ReportContent, out: Path, *, force: bool = False, progress: Progress | None = None
) -> None:
    """Write the report to ``out`` whole or not at all (``OutputExists`` without ``force``)."""
    step = progress or (lambda _name: None)
    step("Drawing the charts")
    from . import charts

    report, author, today = content.report, content.author, content.today
    doc = _document(content)
    step("Writing the document")
    title_section(doc, report, author, today)
    summary_section(doc, report, author, today)
    method_section(doc, report)
    outcomes_section(doc, report, charts)
    prices_section(doc, report, charts)
    coverage_section(doc, report, charts)
    panel_section(doc, report)
    if content.forecast is not None:
        forecast_section(doc, content.forecast, content.forecast_notes, charts)
    record_section(doc, report, content.inputs, content.run_at)
    step("Saving")
    with atomic_output(out, force) as tmp:
        doc.save(tmp)


def _document(content: ReportContent) -> WordDocument:
    """An empty document with the report's title, footer and core properties."""
    report = content.report
    reference = report.shortlist.summary.get("Tender reference", report.tender.reference)
    doc = WordDocument(
        f"{reference} award report, round {report.round}",
        f"{reference} award report, round {report.round} · Draft for approval",
    )
    props = doc.doc.core_properties
    props.author = props.last_modified_by = clean(content.author)
    props.created = props.modified = content.run_at.astimezone(dt.UTC).replace(tzinfo=None)
    props.revision = 1
    return doc


def title_section(doc: WordDocument, report: Report, author: str, today: dt.date) -> None:
    from docx.shared import RGBColor

    summary = report.shortlist.summary
    authority = summary.get("Contracting authority", report.tender.contracting_authority)
    p = doc.para(authority, bold=True, size=12, after=2)
    p.runs[0].font.color.rgb = RGBColor(*BLUE)
    doc.para("Adults and Communities Department", size=10, after=18)
    doc.para("Award report", style="Title", after=2)
    doc.para(summary.get("Tender title", report.tender.title), bold=True, size=13, after=4)
    doc.para(
        f"Evaluation round {report.round}: outcomes, prices, market coverage and the "
        "evaluation record",
        size=11,
        after=14,
    )
    rows = [
        (
            "For",
            "The Director of Adults and Communities (award decision); the Adults and "
            "Communities Overview and Scrutiny Committee (for information after the award)",
        ),
        ("Status", "Draft — for approval"),
        ("Author", author),
        ("Date", long_date(today)),
        ("Tender reference", summary.get("Tender reference", "")),
        (
            "Source",
            f"{report.shortlist.path.name} (the evaluation shortlist of round {report.round})",
        ),
    ]
    doc.facts(rows, (3.6, 12.6), highlight="Status")
    doc.para(after=10)


def record_section(
    doc: WordDocument, report: Report, inputs: Sequence[InputRecord], run_at: dt.datetime
) -> None:
    summary = report.shortlist.summary
    doc.heading("Record")
    doc.para(
        "Every file behind the figures of this report, with its SHA-256 fingerprint, so that "
        "they can be traced (Procurement Act 2023 s.98). The report reads only the shortlist "
        "and the files listed under it, and can be regenerated at any time."
    )
    rows = [[i.file, i.status, i.sha256] for i in inputs]
    rows += [
        [clean(r.get("file") or ""), clean(r.get("status") or ""), clean(r.get("sha256") or "")]
        for r in report.shortlist.rows(INPUTS)
        if clean(r.get("status") or "") != "skipped"
    ]
    doc.table(
        TableSpec(
            "Input files and their SHA-256",
            ["File", "Read as", "SHA-256"],
            rows,
            [4.4, 2.0, 10.2],
            size=7,
            mono=(2,),
        )
    )
    facts = [
        ("Report written by", f"clc-tender {__version__}"),
        ("Report written at", f"{long_date(run_at.date())} at {run_at:%H:%M:%S}"),
        ("Shortlist written by", f"clc-tender {summary.get('clc-tender version', '')}"),
        ("Shortlist run at", moment_text(summary.get("Run at", ""))),
        ("Tender definition SHA-256 (evaluation)", summary.get("Tender definition SHA-256", "")),
        ("Tender definition SHA-256 (this report)", report.tender.sha256),
    ]
    doc.facts(facts, (5.5, 11.0), size=8, grid=True)
