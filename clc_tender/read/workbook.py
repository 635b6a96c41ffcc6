"""Reading one response workbook: guards first, then cells, then typed values.

python-calamine reads the cells (fast); openpyxl opens the workbook only when a cell needs a
closer look: a blank cell on a sheet that has formulas (a formula with no saved value, or a
saved Excel error, is ``invalid-value``, never a blank), a number format (percent cells, a
date-time at midnight), or a sheet whose cells span too many rows and columns to read as a
grid (read sparsely, row by row, never allocating the grid).
"""

from __future__ import annotations

import difflib
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..tender import Tender
from ..workbook_format import FieldSpec, Format, SheetSpec, normalise_label
from . import repair, values
from .cells import CloserLook, SheetCheck, context_factory, dense_rows, sparse_rows
from .files import read_regular, sha256_of
from .guards import Inspection, SheetPart, check_size, inspect_bytes

if TYPE_CHECKING:
    from .stacking import Packed

UNKNOWN_FIELD_LIMIT = 20


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class TableRow:
    row: int
    values: dict[str, Any]  # column key -> raw value (price: Decimal or None)
    cells: dict[str, str]  # column key -> cell reference


@dataclass
class BidRead:
    """Everything read from one response workbook, with each value's cell."""

    file: str
    path: Path
    size: int
    sha256: str
    opened: bool = False  # the workbook could be opened and its sheets listed
    fields: dict[str, Any] = field(default_factory=dict)  # field key -> typed value
    rows: dict[str, int] = field(default_factory=dict)  # field key -> its row (value in column B)
    present: set[str] = field(default_factory=set)  # field keys whose label row exists
    failed: set[str] = field(default_factory=set)  # field keys whose value could not be read
    sheets: set[str] = field(default_factory=set)  # format sheets present
    tables: dict[str, list[TableRow]] = field(default_factory=dict)  # sheet -> rows
    findings: list[Finding] = field(default_factory=list)
    producer: str = ""  # an output of clc-tender ("shortlist", ...): not a bid, not read
    packed: Packed | None = None  # fields and tables as the frames' rows (read/stacking.py)

    def cell(self, key: str) -> str:
        """The cell of a field's value ("B7"), or "" when its row is absent."""
        row = self.rows.get(key)
        return f"B{row}" if row else ""


class BidReader:
    """Reads response workbooks of one tender definition and format."""

    def __init__(self, tender: Tender, fmt: Format) -> None:
        self.tender = tender
        self.fmt = fmt
        self.limits = tender.limits
        self._by_label = {
            spec.name: {f.norm: f for f in spec.fields}
            for spec in fmt.sheets
            if spec.kind == "fields"
        }
        self._band_names = {normalise_label(b.name): b.name for b in tender.bands}
        self._lot_of_sheet = {lot.coverage_sheet: lot.name for lot in tender.lots}

    # -- one file ----------------------------------------------------------------------------
    def read(self, path: Path, file: str | None = None) -> BidRead:
        name = file or path.name
        too_big = check_size(path, self.limits, name)
        if too_big is not None:
            try:
                result = BidRead(name, path, path.stat().st_size, sha256_of(path))
            except OSError:
                result = BidRead(name, path, 0, "")
            result.findings.append(too_big)
            return result
        try:
            data = read_regular(path)
        except OSError as exc:
            result = BidRead(name, path, 0, "")
            result.findings.append(
                Finding.make(
                    name,
                    "",
                    "",
                    "unreadable-file",
                    f"the file cannot be opened: {exc.strerror or exc}",
                )
            )
            return result
        result = BidRead(name, path, len(data), hashlib.sha256(data).hexdigest())
        inspection = inspect_bytes(data, name, self.limits)
        if inspection.findings:
            result.findings.extend(inspection.findings)
            return result
        if inspection.producer:
            result.producer = inspection.producer
            return result
        try:
            self._read_cells(data, inspection, result)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a native panic too: a finding, never a crash
            result.fields.clear()
            result.tables.clear()
            result.findings[:] = [
                Finding.make(
                    name,
                    "",
                    "",
                    "unreadable-file",
                    f"the workbook cannot be read ({type(exc).__name__}: {str(exc)[:120]}); "
                    f"save it again from Excel as .xlsx",
                )
            ]
            result.opened = False
        return result

    def _read_cells(self, data: bytes, inspection: Inspection, result: BidRead) -> None:
        from python_calamine import CalamineWorkbook

        if inspection.strict:  # one reading: openpyxl knows only the transitional namespaces
            data = repair.transitional(data)
        bad: dict[tuple[str, str], str] = {}
        odd = [p.member for p in inspection.sheets if p.odd_numbers]
        if odd:
            cleaned = repair.take_out_bad_numbers(data, odd)
            data, bad = cleaned.data, cleaned.bad
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        result.opened = True
        groups: dict[str, list[SheetPart]] = {}
        for p in inspection.sheets:
            groups.setdefault(normalise_label(p.name), []).append(p)
        look = CloserLook(data)
        hiding = [p.member for p in inspection.sheets if p.hides]
        bodies = repair.sheet_bodies(data, hiding) if hiding else {}
        for spec in self.fmt.sheets:
            lot = self._lot_of_sheet.get(spec.name)
            lots = (lot,) if lot else None
            part = _choose_part(spec, groups.get(spec.norm, []), result, lots)
            if part is None:
                continue
            result.sheets.add(spec.name)
            ncols = 2 if spec.kind == "fields" else max(len(spec.columns) + 4, 8)
            max_rows = self.limits.max_sheet_rows
            if (
                part.max_row <= max_rows
                and part.max_row * part.max_col <= self.limits.max_dense_cells
            ):
                rows = dense_rows(workbook, part.name, ncols, max_rows)
            else:  # a long sheet, or a stray value far away: read sparsely, never as a grid
                rows, beyond = sparse_rows(data, part.name, ncols, max_rows)
                if beyond is not None:
                    result.findings.append(
                        Finding.make(
                            result.file,
                            spec.name,
                            f"A{beyond}",
                            "file-too-large",
                            f"the sheet '{part.name}' has values beyond row {max_rows:,}; at "
                            f"most {max_rows:,} rows are read",
                            lots=lots,
                        )
                    )
                    result.failed.update(f.key for f in spec.fields)  # not also 'missing'
                    continue
            hidden = repair.hidden_parts(bodies.get(part.member, b""), part.hidden)
            blank_check = SheetCheck(result, spec.name, look, part, hidden, bad, lots)
            ctx_for = context_factory(self.tender, look, part.name)
            if spec.kind == "fields":
                self._read_fields(spec, rows, result, blank_check, ctx_for)
            else:
                self._read_table(spec, rows, result, blank_check, ctx_for)

    # -- field/value sheets -------------------------------------------------------------------
    def _read_fields(
        self,
        spec: SheetSpec,
        rows: list[tuple[int, list[Any]]],
        result: BidRead,
        blank_check: SheetCheck,
        ctx_for: Callable[[str], values.CellContext],
    ) -> None:
        by_label = self._by_label[spec.name]
        unknown = 0
        for index, (label, raw) in rows:
            if index == 1 and normalise_label(label) == "field":
                continue
            field_spec = None if values.is_blank(label) else by_label.get(normalise_label(label))
            if field_spec is None:
                unknown += 1
                if unknown <= UNKNOWN_FIELD_LIMIT:
                    result.findings.append(
                        _unknown_field(result.file, spec.name, index, label, by_label)
                    )
                continue
            key = field_spec.key
            if key in result.present:
                result.findings.append(_duplicate_field(result, spec.name, index, field_spec))
                result.failed.add(key)
                continue
            result.present.add(key)
            result.rows[key] = index
            self._store(field_spec, raw, f"B{index}", spec.name, result, blank_check, ctx_for)
        if unknown > UNKNOWN_FIELD_LIMIT:
            result.findings.append(
                Finding.make(
                    result.file,
                    spec.name,
                    "",
                    "unknown-field",
                    f"{unknown - UNKNOWN_FIELD_LIMIT:,} more rows with unknown labels were ignored",
                )
            )

    def _store(
        self,
        field_spec: FieldSpec,
        raw: Any,
        cell: str,
        sheet: str,
        result: BidRead,
        blank_check: SheetCheck,
        ctx_for: Callable[[str], values.CellContext],
    ) -> None:
        key = field_spec.key
        if values.is_blank(raw):
            problem = blank_check(cell)
            if problem:
                result.failed.add(key)
                result.findings.append(
                    Finding.make(
                        result.file,
                        sheet,
                        cell,
                        "invalid-value",
                        f"{field_spec.label}: {problem}",
                        lots=field_spec.lots,
                    )
                )
            return
        if values.not_a_number(raw):
            result.failed.add(key)
            result.findings.append(
                Finding.make(
                    result.file,
                    sheet,
                    cell,
                    "invalid-value",
                    f"{field_spec.label}: {values.show(raw)} is not a number",
                    lots=field_spec.lots,
                )
            )
            return
        value, problems = values.COERCERS[field_spec.type](raw, ctx_for(cell))
        for code, message in problems:
            result.findings.append(
                Finding.make(
                    result.file,
                    sheet,
                    cell,
                    code,
                    f"{field_spec.label}: {message}",
                    lots=field_spec.lots,
                )
            )
        if value is None:
            result.failed.add(key)
        else:
            result.fields[key] = value
            blank_check.used(cell)

    # -- table sheets ---------------------------------------------------------------------------
    def _read_table(
        self,
        spec: SheetSpec,
        rows: list[tuple[int, list[Any]]],
        result: BidRead,
        blank_check: SheetCheck,
        ctx_for: Callable[[str], values.CellContext],
    ) -> None:
        header = rows[0][1] if rows and rows[0][0] == 1 else []
        columns = _table_columns(spec, header, result, blank_check.lots)
        table: list[TableRow] = []
        result.tables[spec.name] = table
        if spec.name == "Pricing" and ("band" not in columns or "price" not in columns):
            return
        for index, cells in rows:
            if index == 1:
                continue
            row = self._table_row(spec, index, cells, columns, result, blank_check, ctx_for)
            if any(v is not None for v in row.values.values()):
                table.append(row)

    def _table_row(
        self,
        spec: SheetSpec,
        index: int,
        cells: list[Any],
        columns: dict[str, int],
        result: BidRead,
        blank_check: SheetCheck,
        ctx_for: Callable[[str], values.CellContext],
    ) -> TableRow:
        row = TableRow(index, {}, {})
        for col in spec.columns:
            if col.key not in columns:
                continue
            ref = f"{column_letter(columns[col.key] + 1)}{index}"
            raw = cells[columns[col.key]]
            row.cells[col.key] = ref
            if col.type == "price":
                row.values[col.key] = self._price(
                    raw, ref, spec.name, cells, columns, result, blank_check, ctx_for
                )
                continue
            problem = blank_check.taken_out(ref) if values.is_blank(raw) else None
            if values.not_a_number(raw):
                problem = f"{values.show(raw)} is not a number"
            if problem:
                result.findings.append(
                    Finding.make(
                        result.file,
                        spec.name,
                        ref,
                        "invalid-value",
                        f"{col.header}: {problem}",
                        lots=blank_check.lots,
                    )
                )
                continue
            row.values[col.key] = values.text(raw, ctx_for(ref))[0]
            if row.values[col.key] is not None:
                blank_check.used(ref)
        return row

    def _price(
        self,
        raw: Any,
        ref: str,
        sheet: str,
        cells: list[Any],
        columns: dict[str, int],
        result: BidRead,
        blank_check: SheetCheck,
        ctx_for: Callable[[str], values.CellContext],
    ) -> Any:
        band_raw = cells[columns["band"]]
        band = (
            self._band_names.get(normalise_label(band_raw))
            if not values.is_blank(band_raw)
            else None
        )
        lots = (self.tender.band(band).lot,) if band else None
        label = band or (
            values.show(band_raw) if not values.is_blank(band_raw) else "an unnamed band"
        )
        # a price for a lot the bid is not for is not validated (only an ignored-price warning)
        ignored = lots is not None and result.fields.get(f"bidding_for:{lots[0]}") is False
        if values.is_blank(raw):
            problem = blank_check(ref)
            if problem:
                if not ignored:
                    result.findings.append(
                        Finding.make(
                            result.file,
                            sheet,
                            ref,
                            "invalid-value",
                            f"price for {label}: {problem}",
                            lots=lots,
                        )
                    )
                return values.INVALID
            return None
        value, problems = values.price(raw, ctx_for(ref))
        for code, message in [] if ignored else problems:
            result.findings.append(
                Finding.make(
                    result.file, sheet, ref, code, f"price for {label}: {message}", lots=lots
                )
            )
        if value is not None and not ignored:
            blank_check.used(ref)
        return values.INVALID if value is None else value


def _unknown_field(
    file: str, sheet: str, index: int, label: Any, by_label: dict[str, FieldSpec]
) -> Finding:
    """The finding for a row whose label is blank or not one of the sheet's fields."""
    if values.is_blank(label):
        return Finding.make(
            file, sheet, f"A{index}", "unknown-field", "a value without a label; ignored"
        )
    close = difflib.get_close_matches(normalise_label(label), list(by_label), n=1, cutoff=0.6)
    hint = f"; did you mean '{by_label[close[0]].label}'?" if close else ""
    return Finding.make(
        file,
        sheet,
        f"A{index}",
        "unknown-field",
        f"unknown label {values.show(label)}, ignored{hint}",
    )


def _duplicate_field(result: BidRead, sheet: str, index: int, field_spec: FieldSpec) -> Finding:
    return Finding.make(
        result.file,
        sheet,
        f"A{index}",
        "duplicate-field",
        f"'{field_spec.label}' appears twice (first at {result.cell(field_spec.key)}); "
        f"give it once",
        lots=field_spec.lots,
    )


def _table_columns(
    spec: SheetSpec, header: list[Any], result: BidRead, lots: tuple[str, ...] | None
) -> dict[str, int]:
    """Each column key -> its index in the header row, with a finding for each one missing."""
    position = {normalise_label(h): i for i, h in enumerate(header) if not values.is_blank(h)}
    columns: dict[str, int] = {}
    known = {c.norm for c in spec.columns}
    strange = [
        i
        for i, h in enumerate(header)
        if not values.is_blank(h) and normalise_label(h) not in known
    ]
    filled = [i for i, h in enumerate(header) if not values.is_blank(h)]
    # where a missing header is named: the first header not recognised, else the next free cell
    missing_at = strange[0] if strange else (filled[-1] + 1 if filled else 0)
    for col in spec.columns:
        if col.norm in position:
            columns[col.key] = position[col.norm]
        elif not (spec.name == "Pricing" and col.key == "unit"):
            letter = column_letter(missing_at + 1)
            result.findings.append(
                Finding.make(
                    result.file,
                    spec.name,
                    f"{letter}1",
                    "missing-field",
                    f"the column '{col.header}' is missing from the header row",
                    lots=lots,
                )
            )
    return columns


def _choose_part(
    spec: SheetSpec, found: list[SheetPart], result: BidRead, lots: tuple[str, ...] | None
) -> SheetPart | None:
    """The sheet part read as ``spec`` (a visible one first), with a finding when there are
    several or none; None when the sheet is missing."""
    candidates = sorted(found, key=lambda p: p.hidden)
    part = candidates[0] if candidates else None
    if len(candidates) > 1:
        names = ", ".join(f"'{p.name}'" + (" (hidden)" if p.hidden else "") for p in candidates)
        result.findings.append(
            Finding.make(
                result.file,
                spec.name,
                "",
                "duplicate-sheet",
                f"{len(candidates)} sheets read as '{spec.name}': {names}; only one may",
                lots=lots,
            )
        )
    if part is None:
        result.findings.append(
            Finding.make(
                result.file,
                spec.name,
                "",
                "missing-sheet",
                f"the sheet '{spec.name}' is missing",
                lots=lots,
            )
        )
        result.failed.update(f.key for f in spec.fields)  # reported once, as the sheet
    return part
