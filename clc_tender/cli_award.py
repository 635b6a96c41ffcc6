"""The after-award commands (letters, uplift, report, place), registered on the app of
``cli`` (which imports this module): options -> one library call -> render."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import ForceOption, TenderOption, _guarded, _parse_day, app

if TYPE_CHECKING:
    from .place import PlaceRequest


@app.command()
def letters(
    shortlist: Annotated[
        Path,
        typer.Argument(
            help="The shortlist workbook written by evaluate or reopen.",
            dir_okay=False,
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the letter data: .xlsx or .csv.")
    ] = Path("award-letters.xlsx"),
    letter_date: Annotated[
        str | None,
        typer.Option(
            "--letter-date",
            help="The date of the letters, YYYY-MM-DD (default: today, UK time).",
            show_default=False,
        ),
    ] = None,
    standstill_from: Annotated[
        str | None,
        typer.Option(
            "--standstill-from",
            help="The day the award notice is published, YYYY-MM-DD: the letters give the end "
            "of the 8-working-day standstill.",
            show_default=False,
        ),
    ] = None,
    docx: Annotated[
        Path | None,
        typer.Option(
            "--docx",
            help="Also write one Word letter per bid into this folder.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    allow_pending: Annotated[
        bool,
        typer.Option(
            "--allow-pending",
            help="Write letters while bids are still referred (they say the bid is still being "
            "considered).",
        ),
    ] = False,
    tender: TenderOption = None,
    force: ForceOption = False,
) -> None:
    """Write the award-letter data (one row per Outcomes row, for a mail merge) and Word letters."""

    def run() -> None:
        from . import render
        from .inert import for_terminal
        from .letters.run import LettersRequest, run_letters

        result = run_letters(
            LettersRequest(
                shortlist, out, letter_date, standstill_from, docx, allow_pending, tender, force
            )
        )
        for warning in result.warnings:
            render.warning_line(warning)
        typer.echo(f"Award letter data ({len(result.letter_set.letters)} rows) written to {out}")
        for path in result.written:
            typer.echo(f"Word letter written to {for_terminal(path)}")

    _guarded(run)


def _opt(name: str, text: str) -> Any:
    return typer.Option(name, help=text, show_default=False)


@app.command()
def uplift(
    register: Annotated[
        Path,
        typer.Argument(
            help="The latest shortlist workbook (the register reopen reads).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    effective: Annotated[
        str, _opt("--effective", "The date the new prices take effect, YYYY-MM-DD.")
    ],
    nlw: Annotated[
        str | None,
        _opt("--nlw", "The National Living Wage, OLD:NEW in £ an hour, e.g. 12.21:12.71."),
    ] = None,
    cpi: Annotated[
        str | None, _opt("--cpi", "The CPI % weighted with the NLW change, e.g. 3.8.")
    ] = None,
    decided: Annotated[
        str | None,
        _opt("--uplift", "The council's decided uplift % for every band, instead of the formula."),
    ] = None,
    cap: Annotated[str | None, _opt("--cap", "The most the computed uplift % may be.")] = None,
    tender: TenderOption = None,
    out: Annotated[
        Path | None, _opt("--out", "The uplift record (default uplift-<effective date>.xlsx).")
    ] = None,
    register_out: Annotated[
        Path | None,
        _opt(
            "--register-out",
            "The uplifted register (default <register stem>-uplifted-<effective date>.xlsx).",
        ),
    ] = None,
    tender_out: Annotated[
        Path | None,
        _opt(
            "--tender-out",
            "The uplifted tender definition (default <definition stem>-<effective date>.toml).",
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """The annual uplift (NLW and CPI): members' prices and the bands' floors and ceilings."""

    def run() -> None:
        from . import render
        from .uplift import Figures, amount, parse_nlw
        from .uplifting import UpliftRequest, run_uplift

        old, new = parse_nlw(nlw) if nlw else (None, None)
        figures = Figures(
            old,
            new,
            amount("--cpi", cpi) if cpi else None,
            amount("--uplift", decided) if decided else None,
            amount("--cap", cap) if cap else None,
        )
        request = UpliftRequest(
            register,
            figures,
            _parse_day("--effective", effective),
            tender,
            out,
            register_out,
            tender_out,
            force,
        )
        render.uplift_summary(run_uplift(request))

    _guarded(run)


@app.command()
def report(
    shortlist: Annotated[
        Path,
        typer.Argument(
            help="The shortlist workbook written by evaluate or reopen.",
            dir_okay=False,
            show_default=False,
        ),
    ],
    utilisation: Annotated[
        Path | None,
        typer.Option(
            "--utilisation",
            help="The commissioners' utilisation workbook: adds the spend forecast.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    tender: TenderOption = None,
    author: Annotated[
        str,
        typer.Option(
            "--author",
            help="Who prepared the report (shown with the date).",
        ),
    ] = "the procurement team",
    out: Annotated[Path, typer.Option("--out", help="Where to write the report (.docx).")] = Path(
        "award-report.docx"
    ),
    force: ForceOption = False,
) -> None:
    """Write the award report for the Director and Scrutiny (Word): outcomes, prices, market
    coverage, the panel, and with --utilisation the spend forecast."""

    def run() -> None:
        from . import render
        from .award_report import ReportRequest, run_report

        request = ReportRequest(shortlist, out, author, utilisation, tender, force)
        with render.step_progress("Award report") as step:
            result = run_report(request, step)
        for warning in result.warnings:
            render.warning_line(warning)
        typer.echo(f"Award report ({len(result.sections)} sections) written to {result.out}")

    _guarded(run)


@app.command()
def place(
    shortlist: Annotated[
        Path,
        typer.Argument(
            help="The register: the latest shortlist workbook (evaluate or reopen).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    requests: Annotated[
        Path,
        typer.Option(
            "--requests",
            help="The brokerage team's requests workbook (sheet Requests).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    exclude: Annotated[
        Path | None,
        typer.Option(
            "--exclude",
            help="Providers not to offer (sheet Exclusions: Provider ID, Reason, Officer, Date).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    postcodes: Annotated[
        Path | None,
        typer.Option(
            "--postcodes",
            help="A newer ONS Postcode Directory or NSPL CSV (default: the bundled ONS data).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            min=1,
            help="Options shown per request on the terminal (the workbook holds all).",
        ),
    ] = 5,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the placements workbook (.xlsx).")
    ] = Path("placements.xlsx"),
    force: ForceOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the placements as JSON on stdout.")
    ] = False,
    tender: TenderOption = None,
) -> None:
    """Rank the framework's providers for each person's package: cost, distance, needs, days."""

    def run() -> None:
        from .place import PlaceRequest, without_cycle_collection
        from .tender import load_tender

        request = PlaceRequest(
            shortlist, requests, load_tender(tender), exclude, postcodes, out, force
        )
        # the collector resumes once the results are gone (when _place returns), so it never
        # looks through the half a million objects of a large run
        with without_cycle_collection():
            _place(request, top, as_json)

    _guarded(run)


def _place(request: PlaceRequest, top: int, as_json: bool) -> None:
    """Place, write the workbook, and show the placements (or print them as JSON)."""
    from . import render
    from .place import run_place, to_json

    result = run_place(request)
    if as_json:
        for note in result.warnings:
            render.warning_line(note)
        sys.stdout.write(json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n")
    else:
        render.placement_summary(result, top, str(request.out))
