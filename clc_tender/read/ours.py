"""The one reader of clc-tender's own workbooks: the shortlist (the register).

``reopen``, ``letters`` and the commands after the award (``place``, ``uplift``, ``report``)
read a shortlist through :func:`read_shortlist`, by the sheets and columns of
``contract.py``. Read with the same guards as bids and never modified: a missing sheet or
column, a duplicate (provider, lot) or a price that is not a number stops the run naming the
cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from .. import contract as c
from ..contract import Item, SheetSpec, band_key
from ..errors import InputError
from ..results import CoverageRow, Declaration, Member, ServiceRow
from ..rules.reopening import RoundDates, default_award, parse_rounds
from ..tender import Tender
from . import values
from .files import sha256_of
from .panel import OfficerBook, Table, first_failure, one_of


@dataclass(frozen=True)
class Shortlist:
    """A shortlist workbook as read: its ``Summary`` items, members and the sheets asked for."""

    file: str
    path: Path
    sha256: str
    round: int  # the register's highest round
    deadline: dt.datetime  # the latest round's deadline
    first_deadline: dt.datetime
    first_award: dt.date
    members: tuple[Member, ...]
    items: dict[str, Any]  # Summary: Item -> the value as stored
    tables: dict[str, Table] = field(default_factory=dict)  # sheet name -> its rows
    rounds: tuple[RoundDates, ...] = ()  # every round so far with its award, round 1 first

    def has(self, spec: SheetSpec) -> bool:
        return spec.name in self.tables

    def rows(self, spec: SheetSpec) -> list[dict[str, Any]]:
        """The rows of a sheet read, keyed by column key (bands by ``band:<name>``), with
        their Excel ``row``; an empty list when the sheet is absent."""
        table = self.tables.get(spec.name)
        return [] if table is None else table.frame.to_dict("records")

    def place(self, spec: SheetSpec, key: str, row: int) -> str:
        """``Sheet!B7``: where a value of a sheet read sits."""
        return f"{spec.name}!{self.tables[spec.name].letters[key]}{row}"


def read_shortlist(
    path: Path,
    tender: Tender,
    *,
    sheets: Sequence[SheetSpec] = (),
    optional: Sequence[SheetSpec] = (),
) -> Shortlist:
    """Read ``Summary`` and ``Framework``, every sheet of ``sheets`` (each required) and each
    of ``optional`` that is present."""
    book = OfficerBook.open(path, tender)
    bands = {band_key(b.name): b.name for b in tender.bands}
    optional = (*optional, c.SERVICES, c.PA_COVERAGE)  # older registers have neither
    tables = {
        spec.name: _read(book, spec, bands)
        for spec in (c.FRAMEWORK, c.SUMMARY, *sheets, *(s for s in optional if book.has(s.name)))
    }
    members = _with_services(_members(tables[c.FRAMEWORK.name], tender, bands), tables, tender)
    items, rows = _items(tables[c.SUMMARY.name])
    deadline = _moment(items, rows, Item.DEADLINE, book.file, tender)
    first_deadline = _moment(items, rows, Item.FIRST_DEADLINE, book.file, tender)
    first_award = _first_award(items, rows, book.file, tender)
    number = _round(items, rows, members, book.file, tender)
    return Shortlist(
        file=book.file,
        path=path,
        sha256=sha256_of(path),
        round=number,
        deadline=deadline,
        first_deadline=first_deadline,
        first_award=first_award,
        members=members,
        items=items,
        tables=tables,
        rounds=_rounds(
            items,
            rows,
            book.file,
            tender,
            number,
            RoundDates(number, deadline, first_award),
            RoundDates(1, first_deadline, first_award),
        ),
    )


def _read(book: OfficerBook, spec: SheetSpec, bands: dict[str, str]) -> Table:
    optional = spec.headers(required=False)
    if any(col.key == c.BANDS for col in spec.columns):
        optional = {**optional, **bands}
    return book.table(spec.name, spec.headers(), optional)


def _number(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def _members(table: Table, tender: Tender, bands: dict[str, str]) -> tuple[Member, ...]:
    frame = table.frame
    price_columns = [k for k in bands if k in frame.columns]
    first_failure(
        table,
        _members_schema(tender, price_columns),
        table.letters,
        {
            "not_nullable": "a required value is blank",
            "lot": f"the lot must be one of {', '.join(tender.lot_names)}",
            "round": "the round must be a whole number of 1 or more",
            "number": "Quality % must be a number",
            "price": "a price must be a number",
            "duplicate": "the same provider is listed twice for this lot",
        },
    )
    members = []
    for rec in frame.to_dict("records"):
        quality = rec.get("quality_pct")
        members.append(
            Member(
                provider_id=str(rec["provider_id"]).strip(),
                organisation=str(rec.get("organisation") or ""),
                lot=rec["lot"],
                round=int(rec["round"]),
                bid_reference=str(rec.get("bid_reference") or ""),
                quality_pct=None if quality is None else _pence(quality),
                conditions=str(rec.get("conditions") or ""),
                prices={bands[k]: _pence(rec[k]) for k in price_columns if rec.get(k) is not None},
            )
        )
    return tuple(members)


def _members_schema(tender: Tender, price_columns: list[str]) -> pa.DataFrameSchema:
    """The checks on the members table, each named for its message in ``_members``."""
    return pa.DataFrameSchema(
        {
            "provider_id": pa.Column(None, nullable=False),
            "lot": pa.Column(None, nullable=False, checks=one_of(list(tender.lot_names), "lot")),
            "round": pa.Column(
                None,
                nullable=False,
                checks=pa.Check(
                    lambda s: s.map(
                        lambda v: _number(v) and v is not None and float(v).is_integer() and v >= 1
                    ),
                    name="round",
                ),
            ),
            "quality_pct": pa.Column(
                None, nullable=True, checks=pa.Check(lambda s: s.map(_number), name="number")
            ),
            **{
                k: pa.Column(
                    None, nullable=True, checks=pa.Check(lambda s: s.map(_number), name="price")
                )
                for k in price_columns
            },
        },
        checks=[
            pa.Check(
                lambda d: ~d.duplicated(["provider_id", "lot"], keep="first"), name="duplicate"
            )
        ],
        coerce=False,
    )


def _with_services(
    members: tuple[Member, ...], tables: dict[str, Table], tender: Tender
) -> tuple[Member, ...]:
    """Each member with its rows of ``Services`` (Day Services) and ``PA coverage``
    (Personal Assistants), when the register has those sheets."""
    lot_of = {lot.coverage_sheet.casefold(): lot.name for lot in tender.lots}
    rows: dict[tuple[str, str], list[Any]] = {}
    for spec in (c.SERVICES, c.PA_COVERAGE):
        table = tables.get(spec.name)
        if table is None:
            continue
        lot = lot_of.get(spec.name.casefold(), "")
        for rec in table.frame.to_dict("records"):
            if rec["provider_id"] is None:
                cell = f"{spec.name}!{table.letters['provider_id']}{rec['row']}"
                raise InputError(table.file, cell, "a required value is blank")
            text = {k: _text(v) for k, v in rec.items()}
            row: Any = (
                ServiceRow(
                    text["service_name"],
                    text["address"],
                    text["postcode"],
                    text["district"],
                    text["support_needs"],
                    text["days_open"],
                )
                if spec is c.SERVICES
                else CoverageRow(text["district"], text["support_needs"])
            )
            rows.setdefault((text["provider_id"], lot), []).append(row)

    def of(m: Member, kind: type) -> tuple[Any, ...]:
        return tuple(r for r in rows.get((m.provider_id, m.lot), ()) if isinstance(r, kind))

    return tuple(
        dataclasses.replace(m, services=of(m, ServiceRow), coverage=of(m, CoverageRow))
        for m in members
    )


def _text(value: Any) -> str:
    """A stored cell as text (a whole number written by Excel as a float loses its .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _pence(value: Any) -> Decimal:
    """A stored amount back to exact pence (the file holds the binary float of the pence)."""
    return Decimal(repr(float(value))).quantize(values.PENNY)


Items = dict[str, Any]


def _items(table: Table) -> tuple[Items, dict[str, int]]:
    records = [r for r in table.frame.to_dict("records") if r["item"] is not None]
    items = {str(r["item"]).strip(): r["value"] for r in records}
    rows = {str(r["item"]).strip(): int(r["row"]) for r in records}
    return items, rows


def _moment(
    items: Items, rows: dict[str, int], item: str, file: str, tender: Tender
) -> dt.datetime:
    if item not in items:
        raise InputError(file, "Summary", f"the item '{item}' is missing")
    raw = items[item]
    value, _ = values.datetime(raw, values.CellContext(tender.tz, lambda: "yyyy-mm-dd hh:mm:ss"))
    if value is None:
        raise InputError(
            file, f"Summary!B{rows[item]}", f"{item}: {values.show(raw)} is not a date and time"
        )
    return value


def _first_award(items: Items, rows: dict[str, int], file: str, tender: Tender) -> dt.date:
    if Item.FIRST_AWARD not in items:
        return tender.award_date
    raw = items[Item.FIRST_AWARD]
    day, _ = values.date(raw, values.CellContext(tender.tz, lambda: "yyyy-mm-dd"))
    if day is None:
        raise InputError(
            file,
            f"Summary!B{rows[Item.FIRST_AWARD]}",
            f"First award: {values.show(raw)} is not a date",
        )
    return day


def _round(
    items: Items, rows: dict[str, int], members: Sequence[Member], file: str, tender: Tender
) -> int:
    rounds = [m.round for m in members]
    if Item.ROUND in items:
        number, _ = values.integer(
            items[Item.ROUND], values.CellContext(tender.tz, lambda: "General")
        )
        if number is None:
            raise InputError(file, f"Summary!B{rows[Item.ROUND]}", "Round is not a whole number")
        rounds.append(number)
    return max(rounds, default=1)


def missing_services(register: Shortlist) -> tuple[str, ...]:
    """A register written before ``place`` existed has no ``Services`` / ``PA coverage``
    sheets: its members are carried without them, and ``place`` cannot offer them."""
    notes = []
    for spec, lot, what in (
        (c.SERVICES, "Day Services", "services"),
        (c.PA_COVERAGE, "Personal Assistants", "districts"),
    ):
        count = sum(1 for m in register.members if m.lot == lot)
        if count and not register.has(spec):
            notes.append(
                f"{register.file} has no '{spec.name}' sheet (written before place "
                f"existed): place has no {what} for its {count} {lot} member"
                f"{'s' if count != 1 else ''}"
            )
    return tuple(notes)


def _rounds(
    items: Items,
    rows: dict[str, int],
    file: str,
    tender: Tender,
    number: int,
    latest: RoundDates,
    first: RoundDates,
) -> tuple[RoundDates, ...]:
    """Every round with its award: ``Rounds`` (the earlier ones) and this round's ``Award
    date``. A shortlist written before awards were recorded: round 1's award is the first
    award, a later round's its deadline plus round 1's interval (``reopen``'s default)."""
    award: dt.date | None = None
    if not values.is_blank(items.get(Item.AWARD_DATE)):
        raw = items[Item.AWARD_DATE]
        award, _ = values.date(raw, values.CellContext(tender.tz, lambda: "yyyy-mm-dd"))
        if award is None:
            raise InputError(
                file,
                f"Summary!B{rows[Item.AWARD_DATE]}",
                f"{Item.AWARD_DATE}: {values.show(raw)} is not a date",
            )
    if award is None:
        award = first.award if number == 1 else default_award(latest.deadline, first)
    earlier: tuple[RoundDates, ...] = (first,) if number > 1 else ()
    if not values.is_blank(items.get(Item.ROUNDS)):
        parsed = parse_rounds(str(items[Item.ROUNDS]))
        if parsed is None:
            raise InputError(
                file,
                f"Summary!B{rows[Item.ROUNDS]}",
                f"{Item.ROUNDS}: a line is not 'Round N: deadline …, award YYYY-MM-DD'",
            )
        earlier = parsed
    return (*earlier, RoundDates(number, latest.deadline, award))


@dataclass(frozen=True)
class SheetRows:
    """A sheet as it was: its headers in order and its rows keyed by header (empty: None)."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]


def read_sheets(path: Path, tender: Tender) -> dict[str, SheetRows]:
    """Every sheet of one of our workbooks as it was, in workbook order: for a workbook
    written again with a few sheets changed (the uplifted register)."""
    import io

    from python_calamine import CalamineWorkbook

    book = OfficerBook.open(path, tender)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(book.data))
    result: dict[str, SheetRows] = {}
    for part in book.parts.values():
        if part.max_row * part.max_col > book.limits.max_dense_cells:
            raise InputError(book.file, part.name, "the sheet is too large to read")
        try:
            grid = workbook.get_sheet_by_name(part.name).to_python(skip_empty_area=False)
        except Exception as exc:
            why = f"cannot be read ({type(exc).__name__})"
            raise InputError(book.file, part.name, why) from None
        header = [str(h).strip() for h in (grid[0] if grid else [])]
        while header and not header[-1]:
            header.pop()
        body = []
        for line in grid[1:]:
            row = {
                h: None if i >= len(line) or values.is_blank(line[i]) else line[i]
                for i, h in enumerate(header)
                if h
            }
            if any(v is not None for v in row.values()):
                body.append(row)
        result[part.name] = SheetRows(part.name, tuple(header), tuple(body))
    return result


def read_declarations(shortlist: Shortlist, tender: Tender) -> tuple[Declaration, ...]:
    """The ``Panel`` sheet's declarations (every earlier round's), when it was read; a date or
    round that is not one stops the run naming the cell."""
    if not shortlist.has(c.PANEL):
        return ()
    dates = values.CellContext(tender.tz, lambda: "yyyy-mm-dd")
    numbers = values.CellContext(tender.tz, lambda: "General")
    result = []
    for rec in shortlist.rows(c.PANEL):
        row = int(rec["row"])
        day, _ = values.date(rec["declared_on"], dates)
        number, _ = values.integer(rec["round"], numbers)
        if day is None:
            raise InputError(
                shortlist.file,
                shortlist.place(c.PANEL, "declared_on", row),
                f"Declared on: {values.show(rec['declared_on'])} is not a date",
            )
        if number is None:
            raise InputError(
                shortlist.file,
                shortlist.place(c.PANEL, "round", row),
                "Round is not a whole number",
            )
        result.append(
            Declaration(
                evaluator=str(rec["evaluator"] or "").strip(),
                name=str(rec["name"] or "").strip(),
                role=str(rec["role"] or "").strip(),
                conflict=str(rec["conflict"] or "None").strip(),
                bid_references=tuple(
                    p.strip() for p in str(rec["bid_references"] or "").split(";") if p.strip()
                ),
                mitigation=str(rec["mitigation"] or "").strip(),
                declared_on=day,
                row=row,
                round=int(number),
            )
        )
    return tuple(result)
