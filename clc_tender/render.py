"""Terminal output: the only module that imports rich."""

from __future__ import annotations

import re
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
    from .place import Placements
    from .results import Evaluation, LotOutcome
    from .uplifting import UpliftResult

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
    err.print(
        f"[bold red]Error:[/] {inert(message)}", markup=True, highlight=False, soft_wrap=True
    )  # the message's own brackets are text, not markup


def warning_line(message: str) -> None:
    err.print(f"[yellow]Warning:[/] {inert(message)}", soft_wrap=True)


@contextmanager
def reading_progress(enabled: bool = True) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar while reading, drawn only when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("Reading bids"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def update(done: int, total: int, name: str) -> None:
            progress.update(task, completed=done, total=total, description=inert(name))

        yield update


def check_report(results: Sequence[FileCheck]) -> None:
    for result in results:
        file, findings = result.file, result.findings
        if findings:
            # the code above its message: at 80 columns the message keeps most of the width
            table = Table(title=inert(file), title_justify="left", show_lines=True, expand=False)
            table.add_column("Place", no_wrap=True)
            table.add_column("Severity", no_wrap=True)
            table.add_column("Code and message", overflow="fold")
            for f in findings:
                severity = f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/]"
                place = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.sheet
                table.add_row(
                    inert(place), severity, f"[bold]{inert(f.code)}[/]\n{inert(f.message)}"
                )
            out.print(table)
        out.print(f"{inert(file)}: {inert(result.verdict)}")


def evaluation_summary(ev: Evaluation, written: str) -> None:
    """The end of a round on the terminal: the round, run-level notes, outcomes per lot, the
    first reason of each bid not admitted, the notes on unused inputs, and the output."""
    if ev.round > 1:
        new = len(ev.members) - ev.carried
        out.print(
            f"[bold]Round {ev.round}[/] (deadline {date_time(ev.deadline, seconds=False)}): "
            f"{new} new member{'s' if new != 1 else ''}, {ev.carried} carried from earlier rounds"
        )
    for note in ev.warnings:
        warning_line(note)
    out.print(_outcome_counts(ev))
    not_admitted = [
        o for o in ev.outcomes if o.outcome.value not in ("admitted", "already-admitted")
    ]
    if not_admitted:
        out.print(_first_reasons(ev, not_admitted))
    _unused_inputs(ev)
    out.print(f"Shortlist written to [bold]{inert(written)}[/]")


def _outcome_counts(ev: Evaluation) -> Table:
    from .findings import Outcome

    counts = Counter((o.lot, o.outcome.value) for o in ev.outcomes)
    shown = [o.value for o in Outcome if o is not Outcome.ALREADY_ADMITTED or ev.round > 1]
    lots: Sequence[str] = [
        *ev.tender.lot_names,
        *([""] if any(o.lot == "" for o in ev.outcomes) else []),
    ]
    table = Table(
        title=f"{ev.tender.reference} round {ev.round}: outcomes per lot", title_justify="left"
    )
    table.add_column("Outcome", no_wrap=True)
    for lot in lots:
        table.add_column(lot or "Unreadable", justify="right")
    for name in shown:
        table.add_row(
            f"[{OUTCOME_STYLE[name]}]{name}[/]", *(str(counts.get((lot, name), 0)) for lot in lots)
        )
    table.add_row(
        "[bold]bids[/]", *(str(sum(counts.get((lot, n), 0) for n in shown)) for lot in lots)
    )
    return table


def _first_reasons(ev: Evaluation, not_admitted: Sequence[LotOutcome]) -> Table:
    shared = Counter(o.bid_reference for o in ev.outcomes if o.lot)
    lots_of: dict[str, set[str]] = {}  # once, not per row: 10,000 bids make 10^8 visits
    for x in ev.outcomes:
        lots_of.setdefault(x.bid_reference, set()).add(x.lot)
    listing = Table(
        title="Not admitted, or waiting for an officer: the first reason (all are in the workbook)",
        title_justify="left",
    )
    listing.add_column("Bid", overflow="fold")
    listing.add_column("Lot and outcome", no_wrap=True)
    listing.add_column("First reason", overflow="fold", ratio=1, min_width=24)
    for o in not_admitted:
        first = o.reasons[0] if o.reasons else None
        reason = f"[bold]{inert(first.code)}[/]\n{inert(first.message)}" if first else ""
        more = f" [dim](+{len(o.reasons) - 1} more)[/]" if len(o.reasons) > 1 else ""
        name = inert(o.bid_reference or o.file)
        if o.bid_reference and shared[o.bid_reference] > len(lots_of[o.bid_reference]):
            name = inert(f"{o.bid_reference} ({o.file})")  # a reference used by two files
        style = OUTCOME_STYLE[o.outcome.value]
        lot_and_outcome = f"{o.lot or '(lots unreadable)'}\n[{style}]{o.outcome.value}[/]"
        listing.add_row(name, lot_and_outcome, reason + more)
    return listing


def _unused_inputs(ev: Evaluation) -> None:
    """Receipts with no bid, decisions and scores not applied: counted, never silent."""
    unused = Counter(
        f.code
        for f in ev.findings
        if f.code in ("decision-unused", "score-unused", "receipt-unused")
    )
    lost = [f for f in ev.findings if f.code == "receipt-unused"]
    for f in lost[:10]:  # a bid may have been lost on the way to the folder
        warning_line(f"receipt-unused: {f.file} {f.place or f.cell}: {f.message}")
    if len(lost) > 10:
        warning_line(
            f"{len(lost) - 10} more receipts have no bid in the folder: see the Findings sheet"
        )
    if unused["decision-unused"]:
        warning_line(
            f"{unused['decision-unused']} decision(s) were not applied (decision-unused): see "
            f"the Findings sheet"
        )
    if unused["score-unused"]:
        warning_line(
            f"some scores were not used (score-unused, {unused['score-unused']} finding(s)): "
            f"see the Findings sheet"
        )


@contextmanager
def step_progress(title: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A one-line progress display of named steps, drawn only when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _step: None
        return
    with Progress(
        TextColumn(title),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)
        yield lambda step: progress.update(task, description=step)


def uplift_summary(result: UpliftResult) -> None:
    """The uplift % per band, each band's old and new range, and the total change of members'
    prices."""
    from .findings import long_date, money

    u = result.uplift
    table = Table(
        title=f"{result.tender.reference} uplift effective {long_date(u.effective)}",
        title_justify="left",
    )
    for column in ("Band", "Per", "Uplift %", "Old range", "New range"):
        table.add_column(column, no_wrap=True, justify="right" if column == "Uplift %" else "left")
    for b in u.bands:
        table.add_row(
            b.band,
            b.unit,
            f"{b.percent}%",
            f"{money(b.old_floor)} – {money(b.old_ceiling)}",
            f"{money(b.new_floor)} – {money(b.new_ceiling)}",
        )
    out.print(table)
    members = len({(c.provider_id, c.lot) for c in u.changes})
    prices = len(u.changes)
    out.print(
        f"Members' prices: {prices} price{'s' if prices != 1 else ''} of {members} "
        f"member{'s' if members != 1 else ''} changed by {money(u.total_change)} in total"
    )
    for note in result.notes:
        warning_line(note)
    out.print(f"Uplift record written to [bold]{result.out}[/]")
    out.print(f"Uplifted register written to [bold]{result.register_out}[/]")
    out.print(f"Uplifted tender definition written to [bold]{result.tender_out}[/]")


_CONTROL = frozenset(
    [
        *(c for c in range(0x20) if c not in (0x09, 0x0A)),
        0x7F,
        *range(0x80, 0xA0),
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
    ]
)


_CONTROL_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CONTROL)) + "]")


def safe(text: str) -> str:
    """Text a bidder typed, with control characters and bidi overrides shown as escapes."""
    text = str(text)
    if _CONTROL_CHARS.search(text) is None:
        return text
    return "".join(f"\\u{ord(ch):04x}" if ord(ch) in _CONTROL else ch for ch in text)


def placement_summary(result: Placements, top: int, written: str) -> None:
    """Per request: the top options (rank, organisation, service, straight-line distance,
    weekly cost, conditions); a request with no option shows its candidates by exclusion
    reason, so that a gap in the market is visible."""
    from rich.text import Text

    from .rules.placement import hours_text

    for note in result.warnings:
        warning_line(note)
    for p in result.placements:
        pkg = p.package
        lines = "; ".join(f"{line.band} {hours_text(line.hours)} h" for line in pkg.lines)
        where = f"{pkg.home_postcode}, {p.district or 'district unknown'}"
        if p.home is not None and p.home.precision != "postcode":
            where += f" [located by {p.home.precision}]"
        head = Text(f"{safe(pkg.request)}", style="bold")
        head.append(f" · {pkg.lot} · {where} · {lines}", style="")
        if not p.options:
            head.append(f" · no option ({len(p.excluded)} candidates excluded)", style="red")
            out.print(head)
            for code, count in p.excluded_by_code().items():
                out.print(f"    {code}: {count}", highlight=False)
            continue
        more = len(p.options) - top
        head.append(
            f" · {len(p.options)} option{'s' if len(p.options) != 1 else ''}"
            + (f", top {top} shown" if more > 0 else "")
        )
        out.print(head)
        table = Table()
        table.add_column("#", justify="right", no_wrap=True)
        day_services = pkg.lot == "Day Services"
        table.add_column(
            "Provider and service" if day_services else "Provider", ratio=1, overflow="fold"
        )
        if day_services:
            table.add_column("km\n(straight line)", justify="right", no_wrap=True)
        table.add_column("Weekly £", justify="right", no_wrap=True)
        table.add_column("Conditions", no_wrap=True)
        for o in p.options[:top]:
            conditions = "\n".join(
                line.split(":", 1)[0] for line in o.conditions.splitlines() if line
            )
            who = Text(safe(o.organisation))
            cells: list[str | Text] = [str(o.rank), who]
            if day_services:
                who.append(f"\n{safe(o.service)}", style="dim")
                distance = "unknown" if o.distance_km is None else f"{o.distance_km}"
                if o.location not in ("postcode", ""):
                    distance += f"\n({o.location})"
                cells.append(distance)
            cells += [f"{o.weekly:,.2f}", Text(conditions, style="yellow")]
            table.add_row(*cells)
        out.print(table)
    placed = sum(1 for p in result.placements if p.options)
    out.print(
        f"{placed} of {len(result.placements)} request(s) have at least one option; "
        f"distances are straight lines, not road distances"
    )
    out.print(f"Placements written to [bold]{written}[/]")
