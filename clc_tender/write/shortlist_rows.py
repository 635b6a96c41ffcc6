"""The shortlist's rows as pure values: the ``Summary`` items and the ``Outcomes`` rows, keyed
by column key (tested directly; ``shortlist.py`` writes them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import tzinfo
from decimal import Decimal

from .. import __version__
from ..contract import Item, band_key, outcome_item
from ..findings import CONDITION_CODES, Finding, Outcome
from ..results import Evaluation, LotOutcome
from ..rules.reopening import rounds_text

Cell = str | int | Decimal | dt.datetime | dt.date | None
Row = Mapping[str, Cell]


def entry_line(f: Finding) -> str:
    """``code: message``, with the place when the finding has both a sheet and a cell."""
    if f.sheet and f.cell:
        return f"{f.code}: {f.sheet}!{f.cell}: {f.message}"
    return f"{f.code}: {f.message}"


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with the offset."""
    return moment.isoformat()


def local(moment: dt.datetime, tz: tzinfo) -> dt.datetime:
    """``moment`` as the tender's local time (an Excel date-time has no zone; read back as the
    tender's local time by ``read/ours.py``)."""
    return moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)


def summary_items(ev: Evaluation) -> list[tuple[str, Cell]]:
    """The ``Summary`` sheet's items in order: the contract's, then the added ones."""
    tender = ev.tender
    items: list[tuple[str, Cell]] = [
        (Item.AUTHORITY, tender.contracting_authority),
        (Item.REFERENCE, tender.reference),
        (Item.TITLE, tender.title),
        (Item.ROUND, ev.round),
        (Item.DEADLINE, local(ev.deadline, tender.tz)),
        (Item.FIRST_DEADLINE, local(ev.first_deadline, tender.tz)),
        (Item.RUN_AT, local(ev.run_at, tender.tz)),
        (Item.VERSION, __version__),
        (Item.DEFINITION_SHA, tender.sha256),
        (Item.FILES_READ, sum(1 for i in ev.inputs if i.status == "bid")),
        (Item.FILES_SKIPPED, sum(1 for i in ev.inputs if i.status == "skipped")),
        (Item.MEMBERS, len(ev.members)),
    ]
    counts: dict[tuple[str, Outcome], int] = {}
    for o in ev.outcomes:
        counts[(o.lot, o.outcome)] = counts.get((o.lot, o.outcome), 0) + 1
    shown = [o for o in Outcome if o is not Outcome.ALREADY_ADMITTED or ev.round > 1]
    items += [
        (outcome_item(lot, o.value), counts.get((lot, o), 0))
        for lot in tender.lot_names
        for o in shown
    ]
    severities = [f.severity.value for f in ev.findings if f.code not in CONDITION_CODES]
    items += [  # extras (after the contract's items)
        (Item.LATENESS, ev.lateness_basis),
        (Item.FIRST_AWARD, ev.first_award or tender.award_date),
        (Item.AWARD_DATE, ev.award_date),
        (Item.ROUNDS, rounds_text(ev.rounds)),
        ("Files with no readable lot", sum(1 for o in ev.outcomes if not o.lot)),
        ("Bids", len(ev.bidders)),
        ("Members carried from earlier rounds", ev.carried),
        ("Members admitted this round", len(ev.members) - ev.carried),
        ("Findings: errors", severities.count("error")),
        ("Findings: referrals", severities.count("referral")),
        ("Findings: warnings", severities.count("warning")),
        ("Findings: conditions", sum(1 for f in ev.findings if f.code in CONDITION_CODES)),
        ("Tender definition", tender.source),
        ("Time zone", tender.timezone),
        ("Session hours", tender.session_hours),
        ("Quality pass mark %", tender.quality.pass_mark_pct),
    ]
    return items + [(Item.NOTE, note) for note in ev.warnings]


def outcome_row(o: LotOutcome) -> dict[str, Cell]:
    """An ``Outcomes`` row, keyed by column key."""
    return {
        "bid_reference": o.bid_reference,
        "organisation": o.organisation,
        "lot": o.lot,
        "outcome": o.outcome.value,
        "reasons": "\n".join(entry_line(f) for f in o.reasons),
        "conditions": "\n".join(entry_line(f) for f in o.conditions),
        "decisions": "\n".join(o.decisions),
        "quality_pct": o.quality_pct,
        **band_cells(o.prices),
        "file": o.file,
        "provider_id": o.provider_id,
        "letter_reasons": "\n".join(f.letter_text for f in o.reasons),
        "letter_conditions": "\n".join(f.letter_text for f in o.conditions),
        "letter_figures": letter_figures(o),
    }


def letter_figures(o: LotOutcome) -> str:
    """The figures behind ``Letter reasons`` and ``Letter conditions`` (``wording.py``)."""
    from ..wording import figures_json

    return figures_json(
        {
            name: [(f.code, f.facts, f.letter_text) for f in findings]
            for name, findings in (("reasons", o.reasons), ("conditions", o.conditions))
        }
    )


def band_cells(prices: Mapping[str, Decimal]) -> dict[str, Cell]:
    return {band_key(band): price for band, price in prices.items()}
