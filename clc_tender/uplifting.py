"""``clc-tender uplift``: one library call from the command line (uplift.md).

Reads the register and the tender definition, applies the uplift of :mod:`clc_tender.uplift`,
and writes three outputs together: the uplift record, the uplifted register and the uplifted
tender definition. Every refusal (figures, dates, outputs) is decided before anything is
written; the three outputs are renamed into place only when all three were written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import contract as c
from .errors import InputError
from .findings import money
from .framework import rate_card
from .read import values
from .read.ours import SheetRows, Shortlist, read_sheets, read_shortlist
from .tender import Tender, bundled_path, load_tender
from .uplift import (
    Figures,
    Uplift,
    UpliftRefused,
    check_effective,
    check_figures,
    plan,
)
from .write.atomic import atomic_output, check_output
from .write.definition import check_written, uplifted_text
from .write.register import write_sheets
from .write.uplift import UpliftRun, write_record

FRAMEWORK, RATE_CARD, UPLIFTS, BIDDERS = (
    c.FRAMEWORK.name,
    c.RATE_CARD.name,
    c.UPLIFTS.name,
    c.BIDDERS.name,
)


@dataclass(frozen=True)
class UpliftRequest:
    register: Path
    figures: Figures
    effective: dt.date
    tender: Path | None = None
    out: Path | None = None
    register_out: Path | None = None
    tender_out: Path | None = None
    force: bool = False
    run_at: dt.datetime | None = None


@dataclass(frozen=True)
class UpliftResult:
    uplift: Uplift
    tender: Tender
    out: Path
    register_out: Path
    tender_out: Path
    notes: tuple[str, ...] = ()  # for the officer: what the outputs could not hold


def contact_notes(u: Uplift, contacts: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """A note when members have no contact details in the register's ``Bidders`` sheet (it
    lists only the latest round's bidders), so their letters need them filled in."""
    priced = {m.provider_id for m in u.members if m.prices}
    missing = sorted(priced - set(contacts))
    if not missing:
        return ()
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (
        f"{len(missing)} provider(s) have no contact details in the register's Bidders sheet "
        f"(admitted in an earlier round): fill them in on the Letters sheet ({shown})",
    )


def default_outputs(request: UpliftRequest) -> tuple[Path, Path, Path]:
    """``uplift-<date>.xlsx``, ``<register stem>-uplifted-<date>.xlsx`` and
    ``<definition stem>-<date>.toml``, in the current folder unless given."""
    day = request.effective.isoformat()
    definition = request.tender if request.tender is not None else bundled_path()
    return (
        request.out or Path(f"uplift-{day}.xlsx"),
        request.register_out or Path(f"{request.register.stem}-uplifted-{day}.xlsx"),
        request.tender_out or Path(f"{definition.stem}-{day}.toml"),
    )


def _same(a: Path, b: Path) -> bool:
    """Whether two paths are, or resolve (through links) to, the same file."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(request: UpliftRequest, outputs: tuple[Path, Path, Path]) -> None:
    """Refuse, before any work, an output that would replace an input (even with --force), two
    outputs on one path, a wrong extension, a missing folder, or an existing output without
    --force."""
    inputs = [request.register, request.tender if request.tender is not None else bundled_path()]
    options = ("--out", "--register-out", "--tender-out")
    for option, path, suffix in zip(options, outputs, (".xlsx", ".xlsx", ".toml"), strict=True):
        if path.suffix.lower() != suffix:
            raise UpliftRefused(f"{option} {path}: the file must end in {suffix}")
        for given in inputs:
            if _same(path, given):
                raise UpliftRefused(
                    f"{option} {path}: that is an input of this run ({given}); "
                    "an output never replaces an input, even with --force"
                )
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise UpliftRefused(f"{option} {path}: the folder {folder} does not exist")
    for i, a in enumerate(outputs):
        for j in range(i + 1, len(outputs)):
            if _same(a, outputs[j]):
                raise UpliftRefused(f"{options[i]} and {options[j]} are the same file ({a})")
    for path in outputs:
        check_output(path, request.force)


def earlier_uplifts(sheets: dict[str, SheetRows], file: str, tender: Tender) -> list[dt.date]:
    """The effective dates in the register's ``Uplifts`` sheet."""
    sheet = sheets.get(UPLIFTS)
    if sheet is None:
        return []
    days = []
    for index, row in enumerate(sheet.rows, start=2):
        day, _ = values.date(
            row.get("Effective"), values.CellContext(tender.tz, lambda: "yyyy-mm-dd")
        )
        if day is None:
            raise InputError(
                file,
                f"{UPLIFTS}!A{index}",
                f"Effective: {values.show(row.get('Effective'))} is not a date",
            )
        days.append(day)
    return days


def uplift_row(u: Uplift, tender: Tender, register_sha256: str) -> dict[str, Any]:
    """The ``Uplifts`` row of this uplift."""
    f = u.figures
    order = [*tender.band_names, *(b for b in u.percent_of if b not in tender.band_names)]
    row = {
        "effective": u.effective,
        "uplift_pct": "\n".join(f"{band}: {u.percent_of[band]}%" for band in order),
        "nlw": "" if f.nlw_old is None else f"{money(f.nlw_old)} → {money(f.nlw_new)}",
        "cpi": f.cpi,
        "register_sha256": register_sha256,
    }
    return {c.UPLIFTS.header(key): value for key, value in row.items()}


def uplifted_sheets(
    sheets: dict[str, SheetRows], u: Uplift, tender: Tender, sha: str
) -> list[SheetRows]:
    """The register's sheets with Framework's prices uplifted, Rate card recomputed and this
    uplift added to Uplifts; every other sheet as it was."""
    prices = {(m.provider_id, m.lot): m.prices for m in u.members}
    result: list[SheetRows] = []
    for sheet in sheets.values():
        if sheet.name == FRAMEWORK:
            rows = []
            for row in sheet.rows:
                new = prices.get(
                    (str(row.get("Provider ID") or "").strip(), str(row.get("Lot"))), {}
                )
                rows.append(
                    {**row, **{band: price for band, price in new.items() if band in sheet.headers}}
                )
            sheet = SheetRows(sheet.name, sheet.headers, tuple(rows))
        elif sheet.name == RATE_CARD:
            header = c.RATE_CARD.header
            card = [
                {
                    header("band"): r.band,
                    header("rank"): r.rank,
                    header("organisation"): r.organisation,
                    header("provider_id"): r.provider_id,
                    header("price"): r.price,
                    header("hourly"): r.hourly,
                }
                for r in rate_card(u.members, tender)
            ]
            headers = tuple(col.header for col in c.RATE_CARD.columns)
            sheet = SheetRows(sheet.name, headers, tuple(card))
        elif sheet.name == UPLIFTS:
            continue
        result.append(sheet)
    history = sheets[UPLIFTS].rows if UPLIFTS in sheets else ()
    headers = tuple(col.header for col in c.UPLIFTS.columns)
    result.append(SheetRows(UPLIFTS, headers, (*history, uplift_row(u, tender, sha))))
    return result


def run_uplift(request: UpliftRequest) -> UpliftResult:
    check_figures(request.figures)
    outputs = default_outputs(request)
    check_outputs(request, outputs)
    tender = load_tender(request.tender)
    register: Shortlist = read_shortlist(request.register, tender)
    sheets = read_sheets(request.register, tender)
    check_effective(
        request.effective, earlier_uplifts(sheets, register.file, tender), str(request.register)
    )
    u = plan(tender, register.members, request.figures, request.effective)
    sha = register.sha256
    contacts = {
        str(row.get("Provider ID") or "").strip(): {k: str(v or "") for k, v in row.items()}
        for row in (sheets[BIDDERS].rows if BIDDERS in sheets else ())
    }
    run_at = request.run_at or dt.datetime.now(tender.tz).replace(microsecond=0)
    run = UpliftRun(u, tender, str(request.register), sha, run_at, contacts)
    limits: dict[str, tuple[Decimal, Decimal]] = {
        b.band: (b.new_floor, b.new_ceiling) for b in u.bands
    }
    definition = request.tender if request.tender is not None else bundled_path()
    text = uplifted_text(definition.read_text(encoding="utf-8"), limits, str(definition))
    out, register_out, tender_out = outputs
    with contextlib.ExitStack() as stack:  # all three renamed into place, or none
        tmp_out = stack.enter_context(atomic_output(out, request.force))
        tmp_register = stack.enter_context(atomic_output(register_out, request.force))
        tmp_tender = stack.enter_context(atomic_output(tender_out, request.force))
        write_record(run, tmp_out)
        write_sheets(
            uplifted_sheets(sheets, u, tender, sha),
            tmp_register,
            tender.band_names,
            title=f"{tender.reference} register uplifted {u.effective.isoformat()}",
            created=run_at,
        )
        tmp_tender.write_text(text, encoding="utf-8")
        check_written(tmp_tender, tender_out, limits)
    return UpliftResult(u, tender, out, register_out, tender_out, contact_notes(u, contacts))
