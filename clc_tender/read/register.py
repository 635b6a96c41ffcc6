"""Reading the register (the latest shortlist workbook) for a re-opening round.

Read with the same care as bids and never modified: a missing sheet or column, a duplicate
(provider, lot) or a price that is not a number stops the run naming the cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from ..errors import InputError
from ..evaluate import Member
from ..rules.reopening import RoundDates, default_award, parse_rounds
from ..tender import Tender
from . import values
from .panel import first_failure, one_of, read_table

FRAMEWORK_HEADERS = {
    "provider_id": "Provider ID", "organisation": "Organisation", "lot": "Lot", "round": "Round",
    "bid_reference": "Bid reference", "quality_pct": "Quality %", "conditions": "Conditions",
}


@dataclass(frozen=True)
class Register:
    file: str
    round: int  # the register's highest round
    deadline: dt.datetime  # the latest round's deadline
    first_deadline: dt.datetime
    first_award: dt.date
    members: tuple[Member, ...]
    rounds: tuple[RoundDates, ...] = ()  # every round of the scheme so far, round 1 first


def _number(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def read_register(path: Path, tender: Tender) -> Register:
    bands = {f"band:{b.name}": b.name for b in tender.bands}
    table = read_table(path, tender, "Framework", FRAMEWORK_HEADERS, optional=bands)
    frame = table.frame
    price_columns = [k for k in bands if k in frame.columns]
    schema = pa.DataFrameSchema(
        {
            "provider_id": pa.Column(None, nullable=False),
            "lot": pa.Column(None, nullable=False, checks=one_of(list(tender.lot_names), "lot")),
            "round": pa.Column(None, nullable=False, checks=pa.Check(
                lambda s: s.map(lambda v: _number(v) and v is not None and float(v).is_integer() and v >= 1), name="round")),
            "quality_pct": pa.Column(None, nullable=True, checks=pa.Check(lambda s: s.map(_number), name="number")),
            **{k: pa.Column(None, nullable=True, checks=pa.Check(lambda s: s.map(_number), name="price")) for k in price_columns},
        },
        checks=[pa.Check(lambda d: ~d.duplicated(["provider_id", "lot"], keep="first"), name="duplicate")],
        coerce=False,
    )
    first_failure(table, schema, table.letters, {
        "not_nullable": "a required value is blank",
        "lot": f"the lot must be one of {', '.join(tender.lot_names)}",
        "round": "the round must be a whole number of 1 or more",
        "number": "Quality % must be a number",
        "price": "a price must be a number",
        "duplicate": "the same provider is listed twice for this lot",
    })
    members = []
    for rec in frame.to_dict("records"):
        prices = {
            bands[k]: Decimal(repr(float(rec[k]))).quantize(values.PENNY)
            for k in price_columns if rec.get(k) is not None
        }
        quality = rec.get("quality_pct")
        members.append(Member(
            provider_id=str(rec["provider_id"]).strip(),
            organisation=str(rec.get("organisation") or ""),
            lot=rec["lot"],
            round=int(rec["round"]),
            bid_reference=str(rec.get("bid_reference") or ""),
            quality_pct=None if quality is None else Decimal(repr(float(quality))).quantize(values.PENNY),
            conditions=str(rec.get("conditions") or ""),
            prices=prices,
        ))
    summary = read_table(path, tender, "Summary", {"item": "Item", "value": "Value"})
    items = {str(r["item"]).strip(): (r["value"], int(r["row"])) for r in summary.frame.to_dict("records") if r["item"] is not None}

    def when(item: str) -> dt.datetime:
        if item not in items:
            raise InputError(table.file, "Summary", f"the item '{item}' is missing")
        raw, row = items[item]
        value, problems = values.datetime(raw, values.CellContext(tender.tz, lambda: "yyyy-mm-dd hh:mm:ss"))
        if value is None:
            raise InputError(table.file, f"Summary!B{row}", f"{item}: {values.show(raw)} is not a date and time")
        return value

    first_award_raw = items.get("First award")
    first_award = tender.award_date
    if first_award_raw is not None:
        day, _ = values.date(first_award_raw[0], values.CellContext(tender.tz, lambda: "yyyy-mm-dd"))
        if day is None:
            raise InputError(table.file, f"Summary!B{first_award_raw[1]}", f"First award: {values.show(first_award_raw[0])} is not a date")
        first_award = day
    rounds = [m.round for m in members]
    summary_round = items.get("Round")
    if summary_round is not None:
        number, _ = values.integer(summary_round[0], values.CellContext(tender.tz, lambda: "General"))
        if number is None:
            raise InputError(table.file, f"Summary!B{summary_round[1]}", "Round is not a whole number")
        rounds.append(number)
    number = max(rounds, default=1)
    deadline, first_deadline = when("Deadline"), when("First round deadline")
    first = RoundDates(1, first_deadline, first_award)

    def summary_day(item: str) -> dt.date | None:
        if item not in items or values.is_blank(items[item][0]):
            return None
        raw, row = items[item]
        value, _ = values.date(raw, values.CellContext(tender.tz, lambda: "yyyy-mm-dd"))
        if value is None:
            raise InputError(table.file, f"Summary!B{row}", f"{item}: {values.show(raw)} is not a date")
        return value

    award = summary_day("Award date") or (first_award if number == 1 else default_award(deadline, first))
    earlier: tuple[RoundDates, ...] = (first,) if number > 1 else ()
    if "Rounds" in items and not values.is_blank(items["Rounds"][0]):
        parsed = parse_rounds(str(items["Rounds"][0]))
        if parsed is None:
            raise InputError(table.file, f"Summary!B{items['Rounds'][1]}",
                             "Rounds: a line is not 'Round N: deadline …, award YYYY-MM-DD'")
        earlier = parsed
    return Register(
        file=table.file,
        round=number,
        deadline=deadline,
        first_deadline=first_deadline,
        first_award=first_award,
        members=tuple(members),
        rounds=(*earlier, RoundDates(number, deadline, award)),
    )
