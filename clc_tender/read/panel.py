"""Reading the officers' own workbooks (scores, decisions): strict, since a mistake in them
stops the run (exit 2) with the file and cell named, unlike a bid's problems."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..contract import DECISIONS, PANEL_DECLARATIONS, SCORES
from ..errors import InputError
from ..results import Declaration
from ..tender import Limits, Tender
from ..workbook_format import normalise_label
from . import values
from .columns import Coded, decoded, each_coded, sheet_columns
from .files import read_regular
from .guards import check_size, inspect_bytes
from .workbook import column_letter


@dataclass(frozen=True)
class Table:
    file: str
    sheet: str
    frame: pd.DataFrame  # columns by key, plus "row"; index = Excel row
    letters: dict[str, str]  # column key -> column letter
    present: bool = True  # False: an optional sheet that is absent (no rows)


def officer_limits(limits: Limits) -> Limits:
    """The officers' own workbooks (scores, decisions, the register) grow with the number of
    bids (a national framework's scores sheet holds hundreds of thousands of rows): they are
    read with the same guards and larger, still bounded, limits than a bid."""
    return dataclasses.replace(
        limits,
        max_file_bytes=limits.max_file_bytes * 4,
        max_xml_bytes=limits.max_xml_bytes * 8,
        max_dense_cells=max(limits.max_dense_cells, 8_000_000),
    )


def read_table(
    path: Path,
    tender: Tender,
    sheet: str,
    headers: dict[str, str],
    optional: dict[str, str] | None = None,
    *,
    sheet_optional: bool = False,
    book: OfficerBook | None = None,
) -> Table:
    """Read a header-row sheet with the same guards as bids; any problem is an InputError.

    With ``sheet_optional`` an absent sheet is an empty table with ``present`` False. ``book``:
    the workbook already opened (and guarded) for another of its sheets."""
    book = book or OfficerBook.open(path, tender)
    if sheet_optional and not book.has(sheet):
        columns = [*headers, "row"]
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return Table(book.file, sheet, empty, {}, False)
    return book.table(sheet, headers, optional)


@dataclass(frozen=True)
class OfficerBook:
    """An officer's workbook (or one of our own), guarded and opened once, read by sheet."""

    file: str
    data: bytes
    parts: dict[str, Any]  # normalised sheet name -> the guards' view of the sheet
    limits: Limits

    @classmethod
    def open(cls, path: Path, tender: Tender) -> OfficerBook:
        name = path.name
        if not path.is_file():
            raise InputError(name, "", "no such file")
        limits = officer_limits(tender.limits)
        too_big = check_size(path, limits, name)
        if too_big is not None:
            raise InputError(name, "", too_big.message)
        try:
            data = read_regular(path)
        except OSError as exc:
            raise InputError(name, "", f"cannot be read ({exc.strerror or exc})") from None
        # what a bid's reader needs for a closer look is never asked of these workbooks
        inspection = inspect_bytes(data, name, limits, hints=False)
        if inspection.findings:
            raise InputError(name, "", inspection.findings[0].message)
        return cls(name, data, {normalise_label(p.name): p for p in inspection.sheets}, limits)

    def has(self, sheet: str) -> bool:
        return normalise_label(sheet) in self.parts

    def table(
        self, sheet: str, headers: dict[str, str], optional: dict[str, str] | None = None
    ) -> Table:
        """The sheet's rows under ``headers`` (``{key: header}``, each required) and the
        ``optional`` headers present; a missing sheet or required column stops the run."""
        return self.coded_table(sheet, headers, optional)[0]

    def coded_table(
        self, sheet: str, headers: dict[str, str], optional: dict[str, str] | None = None
    ) -> tuple[Table, dict[str, Coded]]:
        """:meth:`table`, with each column of the frame also as its distinct values and the
        index of each row's value among them (-1 for a blank), for work done once per value."""
        name = self.file
        part = self.parts.get(normalise_label(sheet))
        if part is None:
            raise InputError(name, "", f"the sheet '{sheet}' is missing")
        if part.max_row * part.max_col > self.limits.max_dense_cells:
            raise InputError(
                name,
                sheet,
                f"the sheet has {part.max_row:,} rows and {part.max_col:,} columns; too large "
                f"to read",
            )
        from .pool import ReaderDied, run_isolated

        optional = optional or {}
        titles = frozenset(normalise_label(t) for t in (*headers.values(), *optional.values()))
        try:  # a native panic or abort of the reading library stops the run with one line
            header, columns = run_isolated(sheet_columns, self.data, part.name, titles)
        except ReaderDied as exc:
            raise InputError(name, sheet, f"cannot be read ({exc})") from None
        return _table(name, sheet, header, columns, headers, optional)


def _table(
    name: str,
    sheet: str,
    raw_header: list[Any],
    columns: dict[int, Coded],
    headers: dict[str, str],
    optional: dict[str, str],
) -> tuple[Table, dict[str, Coded]]:
    header = [normalise_label(h) for h in raw_header]
    expected = {normalise_label(t) for t in (*headers.values(), *optional.values())}
    strange = [i for i, h in enumerate(header) if h and h not in expected]
    filled = [i for i, h in enumerate(header) if h]
    missing_at = strange[0] if strange else (filled[-1] + 1 if filled else 0)
    position: dict[str, int] = {}
    for key, title in headers.items():
        if normalise_label(title) not in header:
            raise InputError(
                name,
                f"{sheet}!{column_letter(missing_at + 1)}1",
                f"the column '{title}' is missing from the header row",
            )
        position[key] = header.index(normalise_label(title))
    for key, title in optional.items():
        if normalise_label(title) in header:
            position[key] = header.index(normalise_label(title))
    # the rows with a value in any of the columns read
    filled_rows = np.logical_or.reduce([columns[i][0] >= 0 for i in position.values()])
    keep = np.flatnonzero(filled_rows)
    coded = {key: (columns[i][0][keep], columns[i][1]) for key, i in position.items()}
    frame = pd.DataFrame(
        {
            **{key: pd.Series(decoded(column), dtype=object) for key, column in coded.items()},
            "row": pd.Series((keep + 2).tolist(), dtype=object),
        },
        columns=[*position, "row"],
    )
    frame.index = frame["row"]
    letters = {k: column_letter(i + 1) for k, i in position.items()}
    return Table(name, sheet, frame, letters), coded


@dataclass(frozen=True)
class Bad:
    """A cell value that could not be read as its column's type: its check fails and the
    message quotes the value as typed."""

    raw: Any

    def __str__(self) -> str:
        return values.show(self.raw).strip('"')


def readable(name: str) -> pa.Check:
    """Fails on the :class:`Bad` values of a column (reported by ``name``)."""
    return pa.Check(lambda s: s.map(lambda v: not isinstance(v, Bad)), name=name)


def one_of(allowed: list[str], name: str) -> pa.Check:
    """A membership check whose failures are reported by ``name`` (not pandera's wording)."""
    choices = list(dict.fromkeys(allowed))
    return pa.Check(lambda s: s.isin(choices), name=name)


def whole_scores(series: pd.Series, maximum: int) -> pd.Series:
    """Whether each value is a whole number from 0 to ``maximum`` (an int or a float, never a
    bool, text or date), column at a time."""
    numeric = series.map(type).isin([int, float])
    number = pd.to_numeric(series.where(numeric), errors="coerce")
    return numeric & (number % 1 == 0) & (number >= 0) & (number <= maximum)


def first_failure(
    table: Table, schema: pa.DataFrameSchema, columns: dict[str, str], messages: dict[str, str]
) -> None:
    """Validate with pandera (lazy); raise one InputError naming the failing cells (up to 5)."""
    if table.frame.empty:
        return
    try:
        schema.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()].sort_values("index", kind="stable")
        if cases.empty:
            raise InputError(
                table.file, table.sheet, "the sheet does not have the expected shape"
            ) from None
        problems: list[tuple[str, str]] = []
        for case in cases.drop_duplicates(["index", "check"]).itertuples(index=False):
            column = case.column if case.column in columns else next(iter(columns))
            message = messages.get(str(case.check), str(case.check))
            if case.failure_case is not None and str(case.check) != "not_nullable":
                message = f"{message}: {values.show(case.failure_case)}"
            problems.append((f"{table.sheet}!{columns[column]}{int(case.index)}", message))
        (cell, message), others = problems[0], problems[1:5]
        text = message + "".join(f"; also {c}: {m}" for c, m in others)
        if len(problems) > 5:
            text += f"; and {len(problems) - 5} more"
        raise InputError(table.file, cell, text) from None


SCORE_HEADERS = SCORES.headers()


def read_scores(path: Path, tender: Tender, book: OfficerBook | None = None) -> Table:
    """The ``Scores`` sheet (``book``: the workbook already opened, for its ``Panel`` too)."""
    book = book or OfficerBook.open(path, tender)
    table, coded = book.coded_table(SCORES.name, SCORE_HEADERS)
    frame = table.frame
    letters = table.letters
    max_score = tender.quality.max_score
    lot_names = list(tender.lot_names)

    lots = {normalise_label(n): n for n in lot_names}
    rows = frame.index
    frame["lot"] = each_coded(coded["lot"], lambda v: lots.get(normalise_label(v), v), rows)
    frame["evaluator"] = each_coded(coded["evaluator"], lambda v: str(v).strip(), rows)
    # question ids match ignoring case and spaces ("q 2" is Q2)
    ids = {"".join(q.id.split()).casefold(): q.id for q in tender.quality.questions}

    def question(v: Any) -> str:
        return ids.get("".join(str(v).split()).casefold(), str(v).strip())

    frame["question"] = each_coded(coded["question"], question, rows)
    frame["bid_reference"] = each_coded(
        coded["bid_reference"], lambda v: values.text(v, _CTX)[0], rows
    )

    def duplicates(d: pd.DataFrame) -> pd.Series:
        return d.assign(k=d["bid_reference"].astype(str).str.casefold()).duplicated(
            ["k", "lot", "question", "evaluator"], keep="first"
        )

    schema = pa.DataFrameSchema(
        {
            "bid_reference": pa.Column(None, nullable=False),
            "lot": pa.Column(None, nullable=False, checks=one_of(lot_names, "lot")),
            "question": pa.Column(None, nullable=False),
            "evaluator": pa.Column(None, nullable=False),
            "score": pa.Column(
                None,
                nullable=False,  # a blank is never a score
                checks=pa.Check(lambda s: whole_scores(s, max_score), name="score"),
            ),
        },
        checks=[pa.Check(lambda d: ~duplicates(d), name="duplicate")],
        coerce=False,
    )
    # pandera validates every sheet; it names the failing cells
    first_failure(
        table,
        schema,
        letters,
        {
            "not_nullable": "a required value is blank (a blank is never a score: every row "
            "needs a bid"
            " reference, lot, question, evaluator and score)",
            "lot": f"the lot must be one of {', '.join(lot_names)}",
            "score": f"a score must be a whole number from 0 to {max_score}",
            "duplicate": "the same evaluator scores the same question of this bid and lot twice",
        },
    )
    frame["score"] = each_coded(coded["score"], int, rows)
    numbers = frame["row"].tolist()
    frame["score_cell"] = [f"{letters['score']}{row}" for row in numbers]
    frame["evaluator_cell"] = [f"{letters['evaluator']}{row}" for row in numbers]
    return table


DECISION_HEADERS = DECISIONS.headers()


_CTX = values.CellContext(dt.UTC, lambda: "General")  # type: ignore[arg-type]


def read_decisions(path: Path, tender: Tender) -> Table:
    """The officers' decisions on referrals; every decision needs a reason."""
    table = read_table(path, tender, DECISIONS.name, DECISION_HEADERS)
    frame = table.frame
    lots = {normalise_label(n): n for n in tender.lot_names}
    frame["lot"] = frame["lot"].map(
        lambda v: lots.get(normalise_label(v), v) if v is not None else None
    )
    frame["decision"] = frame["decision"].map(
        lambda v: str(v).strip().casefold() if v is not None else None
    )
    for key in ("bid_reference", "code", "reason", "officer"):
        frame[key] = frame[key].map(lambda v: values.text(v, _CTX)[0])
    frame["date"] = frame["date"].map(lambda v: values.date(v, _CTX)[0] if v is not None else None)
    schema = pa.DataFrameSchema(
        {
            "bid_reference": pa.Column(None, nullable=False),
            "lot": pa.Column(None, nullable=False, checks=one_of(list(tender.lot_names), "lot")),
            "code": pa.Column(None, nullable=False),
            "decision": pa.Column(
                None, nullable=False, checks=one_of(["accept", "reject"], "decision")
            ),
            "reason": pa.Column(None, nullable=False),
            "officer": pa.Column(None, nullable=False),
            "date": pa.Column(None, nullable=False),
        },
        checks=[
            pa.Check(
                lambda d: (
                    ~d.assign(k=d["bid_reference"].map(lambda v: str(v).casefold())).duplicated(
                        ["k", "lot", "code"], keep="first"
                    )
                ),
                name="duplicate",
            )
        ],
        coerce=False,
    )
    first_failure(
        table,
        schema,
        table.letters,
        {
            "not_nullable": "a required value is blank (every decision needs a bid reference, "
            "lot, code, decision, reason, officer and date)",
            "lot": f"the lot must be one of {', '.join(tender.lot_names)}",
            "decision": "the decision must be accept or reject",
            "duplicate": "a second decision on the same bid, lot and code",
        },
    )
    return table


PANEL_HEADERS = PANEL_DECLARATIONS.headers()
CONFLICTS = ("None", "Potential", "Actual")


@dataclass(frozen=True)
class Panel:
    file: str
    present: bool  # False: the scores workbook has no Panel sheet
    declarations: tuple[Declaration, ...]


def _references(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(p.strip() for p in str(raw).replace("\n", ";").split(";") if p.strip())


def read_panel(path: Path, tender: Tender, book: OfficerBook | None = None) -> Panel:
    """The optional ``Panel`` sheet of the scores workbook: one declaration per evaluator.

    A blank evaluator, name or declaration date, a date that is not a date, an unknown
    conflict, a conflict without the bids it concerns, a potential conflict without its
    mitigation, or an evaluator listed twice stops the run naming the cells."""
    table = read_table(
        path, tender, PANEL_DECLARATIONS.name, PANEL_HEADERS, sheet_optional=True, book=book
    )
    if not table.present:
        return Panel(table.file, False, ())
    frame = table.frame
    kinds = {c.casefold(): c for c in CONFLICTS}
    frame["evaluator"] = frame["evaluator"].map(lambda v: str(v).strip() if v is not None else None)
    frame["conflict"] = frame["conflict"].map(
        lambda v: kinds.get(str(v).strip().casefold(), Bad(v)) if v is not None else "None"
    )
    frame["declared_on"] = frame["declared_on"].map(
        lambda v: None if v is None else (values.date(v, _CTX)[0] or Bad(v))
    )
    needs_bids = frame["conflict"].map(lambda c: c in ("Potential", "Actual"))
    frame["bid_references"] = pd.Series(
        [
            Bad("") if needed and not _references(raw) else raw
            for raw, needed in zip(frame["bid_references"], needs_bids, strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    frame["mitigation"] = pd.Series(
        [
            Bad("") if kind == "Potential" and values.is_blank(raw) else raw
            for raw, kind in zip(frame["mitigation"], frame["conflict"], strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    _check_panel(table)
    declarations = tuple(
        Declaration(
            evaluator=str(r["evaluator"]),
            name=values.text(r["name"], _CTX)[0] or "",
            role=values.text(r["role"], _CTX)[0] or "" if r["role"] is not None else "",
            conflict=str(r["conflict"]),
            bid_references=_references(r["bid_references"]),
            mitigation="" if r["mitigation"] is None else str(r["mitigation"]).strip(),
            declared_on=r["declared_on"],
            row=int(r["row"]),
        )
        for r in frame.to_dict("records")
    )
    return Panel(table.file, True, declarations)


def _check_panel(table: Table) -> None:
    """The declarations' checks (pandera, lazy): every failing cell named, the run stops."""
    schema = pa.DataFrameSchema(
        {
            "evaluator": pa.Column(None, nullable=False),
            "name": pa.Column(None, nullable=False),
            "conflict": pa.Column(None, nullable=False, checks=readable("conflict")),
            "bid_references": pa.Column(None, nullable=True, checks=readable("bids")),
            "mitigation": pa.Column(None, nullable=True, checks=readable("mitigation")),
            "declared_on": pa.Column(None, nullable=False, checks=readable("date")),
        },
        checks=[
            pa.Check(
                lambda d: ~d["evaluator"].map(lambda v: str(v).casefold()).duplicated(keep="first"),
                name="duplicate",
            )
        ],
        coerce=False,
    )
    first_failure(
        table,
        schema,
        table.letters,
        {
            "not_nullable": "a required value is blank (every evaluator needs initials, a name and "
            "the date of the declaration)",
            "conflict": f"the conflict must be one of {', '.join(CONFLICTS)}",
            "bids": "a potential or actual conflict must name the bid references it concerns",
            "mitigation": "a potential conflict needs its mitigation",
            "date": "not a date (expected e.g. 2026-03-20)",
            "duplicate": "the same evaluator is declared twice",
        },
    )
