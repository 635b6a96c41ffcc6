"""Terminal output: the only module that imports rich."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .formats import date_time

if TYPE_CHECKING:
    from .checking import FileCheck
    from .results import Evaluation

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

OUTCOME_STYLE = {
    "admitted": "green",
    "referred": "yellow",
    "failed-gate": "red",
    "disqualified-price": "red",
    "non-compliant": "red",
    "late": "red",
    "already-admitted": "dim",
}
SEVERITY_STYLE = {"error": "red", "referral": "yellow", "warning": "cyan"}


def inert(text: object) -> str:
    """Bidder text as the terminal may show it: controls, escape sequences and bidi overrides
    escaped visibly, and no rich markup taking effect."""
    from .inert import for_terminal

    return escape(for_terminal(text))


def error_line(message: str) -> None:
    """One clear line on stderr."""
    err.print(f"[bold red]Error:[/] {inert(message)}", markup=True, highlight=False, soft_wrap=True)


def warning_line(message: str) -> None:
    err.print(f"[yellow]Warning:[/] {inert(message)}", soft_wrap=True)


@contextmanager
def reading_progress(enabled: bool = True) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar while reading, drawn only when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("Reading bids"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=err, transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def update(done: int, total: int, name: str) -> None:
            progress.update(task, completed=done, total=total, description=inert(name))

        yield update


def check_report(results: Sequence[FileCheck]) -> None:
    for result in results:
        file, findings = result.file, result.findings
        if findings:
            table = Table(title=inert(file), title_justify="left", show_lines=False, expand=False)
            for column in ("Sheet", "Cell", "Severity", "Code"):
                table.add_column(column, no_wrap=True)
            table.add_column("Message", overflow="fold")
            for f in findings:
                table.add_row(inert(f.sheet), inert(f.cell), f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/]",
                              inert(f.code), inert(f.message))
            out.print(table)
        out.print(f"{inert(file)}: {result.verdict}")


def evaluation_summary(ev: Evaluation, written: str) -> None:
    from .findings import Outcome

    if ev.round > 1:
        new = len(ev.members) - ev.carried
        out.print(f"[bold]Round {ev.round}[/] (deadline {date_time(ev.deadline, seconds=False)}): "
                  f"{new} new member{'s' if new != 1 else ''}, {ev.carried} carried from earlier rounds")
    for note in ev.warnings:
        warning_line(note)
    counts = Counter((o.lot, o.outcome.value) for o in ev.outcomes)
    shown = [o.value for o in Outcome if o is not Outcome.ALREADY_ADMITTED or ev.round > 1]
    lots: Sequence[str] = [*ev.tender.lot_names, *([""] if any(o.lot == "" for o in ev.outcomes) else [])]
    table = Table(title=f"{ev.tender.reference} round {ev.round}: outcomes per lot", title_justify="left")
    table.add_column("Outcome", no_wrap=True)
    for lot in lots:
        table.add_column(lot or "Unreadable", justify="right")
    for name in shown:
        table.add_row(f"[{OUTCOME_STYLE[name]}]{name}[/]", *(str(counts.get((lot, name), 0)) for lot in lots))
    table.add_row("[bold]bids[/]", *(str(sum(counts.get((lot, n), 0) for n in shown)) for lot in lots))
    out.print(table)
    not_admitted = [o for o in ev.outcomes if o.outcome.value not in ("admitted", "already-admitted")]
    if not_admitted:
        shared = Counter(o.bid_reference for o in ev.outcomes if o.lot)
        listing = Table(title="Not admitted, or waiting for an officer: the first reason (all are in the workbook)",
                        title_justify="left")
        listing.add_column("Bid", overflow="fold")
        listing.add_column("Lot and outcome", no_wrap=True)
        listing.add_column("First reason", overflow="fold", ratio=1, min_width=24)
        for o in not_admitted:
            first = o.reasons[0] if o.reasons else None
            reason = f"[bold]{inert(first.code)}[/]\n{inert(first.message)}" if first else ""
            more = f" [dim](+{len(o.reasons) - 1} more)[/]" if len(o.reasons) > 1 else ""
            name = inert(o.bid_reference or o.file)
            if o.bid_reference and shared[o.bid_reference] > len({x.lot for x in ev.outcomes if x.bid_reference == o.bid_reference}):
                name = inert(f"{o.bid_reference} ({o.file})")  # a reference used by two files
            listing.add_row(name, f"{o.lot or '(lots unreadable)'}\n[{OUTCOME_STYLE[o.outcome.value]}]{o.outcome.value}[/]", reason + more)
        out.print(listing)
    unused = Counter(f.code for f in ev.findings if f.code in ("decision-unused", "score-unused", "receipt-unused"))
    for f in ev.findings:
        if f.code == "receipt-unused":
            warning_line(f"receipt-unused: {f.file} {f.place}: {f.message}")
    if unused["decision-unused"]:
        warning_line(f"{unused['decision-unused']} decision(s) were not applied (decision-unused): see the Findings sheet")
    if unused["score-unused"]:
        warning_line(f"some scores were not used (score-unused, {unused['score-unused']} finding(s)): see the Findings sheet")
    out.print(f"Shortlist written to [bold]{inert(written)}[/]")

