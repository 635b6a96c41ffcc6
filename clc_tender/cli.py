"""The command line: options -> pipeline -> render. Owns every exit code.

Exit 0 when a run completes (whatever the outcomes), 1 when ``check`` finds errors or on an
unexpected internal fault, 2 for a usage error or an unusable input that stops the run.
Heavy libraries are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Evaluate bids for the Community Life Choices open framework: check response "
    "workbooks, apply price bands and pass/fail gates, write the award shortlist.",
)
_state = {"debug": False}
T = TypeVar("T")

TenderOption = Annotated[
    Path | None,
    typer.Option("--tender", help="Tender definition file (TOML); default: the bundled CLC 2026 definition.",
                 dir_okay=False),
]


ScoresOption = Annotated[
    Path | None, typer.Option("--scores", help="The evaluation panel's scores workbook.", dir_okay=False)
]
DecisionsOption = Annotated[
    Path | None, typer.Option("--decisions", help="The officers' decisions on referrals (workbook).", dir_okay=False)
]
ReceiptsOption = Annotated[
    Path | None,
    typer.Option("--receipts", dir_okay=False,
                 help="The portal's receipt times (.xlsx sheet Receipts, or .csv): lateness is "
                 "judged on Received at."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing output (never an input).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON on stdout.")]


class UsageProblem(Exception):
    """A problem with what the officer asked for: one line, exit 2."""


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal fault.")] = False,
) -> None:
    _state["debug"] = debug


def _fail(message: str, code: int = 2) -> NoReturn:
    from . import render

    render.error_line(message)
    raise typer.Exit(code)


def _guarded(run: Callable[[], T]) -> T:
    """Turn every expected problem into one line on stderr and exit 2; anything else exit 1."""
    from .errors import InputError, Refusal
    from .tender import TenderError
    from .write.atomic import OutputExists, OutputProblem

    try:
        return run()
    except typer.Exit:
        raise
    except (UsageProblem, Refusal, TenderError, InputError, OutputExists, OutputProblem) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}".lstrip(": "))
    except Exception as exc:  # an internal fault: one line, the traceback only with --debug
        if _state["debug"]:
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); run again with --debug for details", 1)


def _load_tender(path: Path | None) -> Any:
    from .tender import load_tender
    from .workbook_format import load_format

    tender = load_tender(path)
    return tender, load_format(tender)


@app.command()
def template(
    tender: TenderOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write it (default tender-response.xlsx, or requests.xlsx with "
        "--requests).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    requests: Annotated[bool, typer.Option(
        "--requests", help="Write the blank requests workbook for place instead.")] = False,
) -> None:
    """Write the blank tender response workbook of the tender definition (issued with the tender)."""

    def run() -> None:
        from .tender import load_tender
        from .workbook_format import load_format
        from .write.atomic import check_output
        from .write.template import write_template

        definition = load_tender(tender)
        if requests:
            from .write.requests_template import write_requests_template

            target = out or Path("requests.xlsx")
            check_output(target, force, [tender] if tender else [], [".xlsx"],
                         "the requests workbook")
            write_requests_template(definition, target, force=force)
            typer.echo(f"Requests workbook for {definition.reference} written to {target}")
            return
        target = out or Path("tender-response.xlsx")
        check_output(target, force, [tender] if tender else [], [".xlsx"], "the template")
        write_template(definition, load_format(definition), target, force=force)
        typer.echo(f"Template for {definition.reference} written to {target}")

    _guarded(run)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Response workbooks, or folders of them.", show_default=False)],
    tender: TenderOption = None,
) -> None:
    """Read and validate workbooks without evaluating them: every finding, exit 1 when any error.

    Reports everything that depends only on the workbook and the tender definition (reading,
    prices against their ranges, finance, insurance, policies, safeguarding); lateness and
    quality are judged by `evaluate`.
    """

    def run() -> int:
        from . import render
        from .checking import check_files, files_to_check

        definition, fmt = _load_tender(tender)
        files, notes = files_to_check(paths)
        for note in notes:
            render.warning_line(note)
        results = check_files(files, definition, fmt)
        render.check_report(results)
        return 1 if any(r.failed for r in results) else 0

    code = _guarded(run)
    raise typer.Exit(code)


@app.command()
def evaluate(
    bids_dir: Annotated[Path, typer.Argument(help="Folder of response workbooks (.xlsx).", show_default=False)],
    scores: ScoresOption = None,
    decisions: DecisionsOption = None,
    tender: TenderOption = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the shortlist workbook.")] = Path("shortlist.xlsx"),
    force: ForceOption = False,
    as_json: JsonOption = False,
    receipts: ReceiptsOption = None,
) -> None:
    """Evaluate every workbook in the folder (round 1) and write the award shortlist workbook."""
    _guarded(lambda: _run_round(_request(
        tender, None, bids_dir=bids_dir, scores=scores, decisions=decisions, out=out, force=force,
        receipts=receipts,
    ), as_json))


@app.command()
def reopen(
    bids_dir: Annotated[Path, typer.Argument(help="Folder of this round's response workbooks.", show_default=False)],
    register: Annotated[Path, typer.Option("--register", help="The latest shortlist workbook (from evaluate or an earlier reopen).", dir_okay=False, show_default=False)],
    deadline: Annotated[str, typer.Option("--deadline", help="This round's deadline, ISO 8601 with a time, e.g. 2027-09-17T12:00 (UK time unless an offset is given).", show_default=False)],
    scores: ScoresOption = None,
    decisions: DecisionsOption = None,
    tender: TenderOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the shortlist (default shortlist-round-N.xlsx).")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    receipts: ReceiptsOption = None,
) -> None:
    """Re-open the framework: evaluate a new round's bids, carrying existing members forward."""
    _guarded(lambda: _run_round(_request(
        tender, deadline, bids_dir=bids_dir, scores=scores, decisions=decisions, out=out,
        force=force, register=register, receipts=receipts,
    ), as_json))


def _parse_deadline(text: str, tz: Any) -> Any:
    import datetime as dt
    import re

    stripped = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        raise UsageProblem(f"--deadline {text}: give a time too, e.g. {stripped}T12:00")
    try:
        value = dt.datetime.fromisoformat(stripped)
    except ValueError:
        raise UsageProblem(f"--deadline {text}: not an ISO 8601 date and time (e.g. 2027-09-17T12:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _request(tender: Path | None, deadline: str | None, **options: Any) -> Any:
    """The round request of the options given: the definition loaded, the deadline parsed."""
    from .round import RoundRequest

    definition, fmt = _load_tender(tender)
    when = _parse_deadline(deadline, definition.tz) if deadline is not None else None
    return RoundRequest(tender=definition, fmt=fmt, deadline=when, tender_file=tender, **options)


def _run_round(request: Any, as_json: bool) -> None:
    """One round through the library's round API; then the terminal summary or JSON."""
    from . import render
    from .round import run_round

    with render.reading_progress(not as_json) as progress:
        result = run_round(request, progress)
    if as_json:
        from .evaluate import to_json

        sys.stdout.write(json.dumps(to_json(result.evaluation, str(result.out)), indent=2,
                                    ensure_ascii=False) + "\n")
    else:
        render.evaluation_summary(result.evaluation, str(result.out))


@app.command()
def letters(
    shortlist: Annotated[Path, typer.Argument(help="The shortlist workbook written by evaluate or reopen.", dir_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write the letter data: .xlsx or .csv.")] = Path("award-letters.xlsx"),
    letter_date: Annotated[str | None, typer.Option("--letter-date", help="The date of the letters, YYYY-MM-DD (default: today, UK time).", show_default=False)] = None,
    standstill_from: Annotated[str | None, typer.Option("--standstill-from", help="The day the award notice is published, YYYY-MM-DD: the letters give the end of the 8-working-day standstill.", show_default=False)] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="Also write one Word letter per bid into this folder.", file_okay=False, show_default=False)] = None,
    allow_pending: Annotated[bool, typer.Option("--allow-pending", help="Write letters while bids are still referred (they say the bid is still being considered).")] = False,
    tender: TenderOption = None,
    force: ForceOption = False,
) -> None:
    """Write the award-letter data (one row per Outcomes row, for a mail merge), and Word letters."""

    def iso_date(option: str, text: str) -> Any:
        import datetime as dt

        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise UsageProblem(f"{option} {text}: not an ISO date (YYYY-MM-DD, e.g. 2026-05-01)") from None

    def run() -> None:
        import datetime as dt
        from zoneinfo import ZoneInfo

        from . import formats, render
        from .letters import LETTER_SUFFIXES, read_letters, write_letters, write_word_letters
        from .tender import load_tender
        from .write.atomic import check_output

        if out.suffix.lower() not in LETTER_SUFFIXES:
            raise UsageProblem(f"--out {out}: the letters file must end in .xlsx or .csv")
        day = iso_date("--letter-date", letter_date) if letter_date else dt.datetime.now(ZoneInfo("Europe/London")).date()
        published = iso_date("--standstill-from", standstill_from) if standstill_from else None
        if docx is not None and docx.exists() and not docx.is_dir():
            raise UsageProblem(f"--docx {docx}: not a folder")
        check_output(out, force, [shortlist, *([tender] if tender else [])], LETTER_SUFFIXES,
                     "the letters file")
        letter_set = read_letters(shortlist, day, published, load_tender(tender))
        if letter_set.pending and not allow_pending:
            first = letter_set.pending[0]
            raise UsageProblem(
                f"{shortlist}: {len(letter_set.pending)} lot bid{'s are' if len(letter_set.pending) != 1 else ' is'} "
                f"still referred (the first: {first.bid_reference}, {first.lot}); settle the referrals and "
                "evaluate again, or pass --allow-pending to tell those bidders their bid is still being considered")
        written = write_word_letters(letter_set, docx, force) if docx is not None else []
        write_letters(letter_set.rows(), out, force)
        for warning in letter_set.warnings:
            render.warning_line(warning)
        if published is not None and day > published:
            render.warning_line(
                f"the letters are dated {formats.date(day)}, after the award notice of "
                f"{formats.date(published)} that starts the standstill: assessment summaries must "
                "go out before the award notice; check --letter-date and --standstill-from")
        if letter_set.unmoderated:
            render.warning_line(
                f"{letter_set.unmoderated} question score{'s have' if letter_set.unmoderated != 1 else ' has'} "
                "no moderated comment: the letters quote the evaluators' agreed comments instead")
        typer.echo(f"Award letter data ({len(letter_set.letters)} rows) written to {out}")
        from .inert import for_terminal

        for path in written:
            typer.echo(f"Word letter written to {for_terminal(path)}")

    _guarded(run)


@app.command()
def place(
    shortlist: Annotated[Path, typer.Argument(
        help="The register: the latest shortlist workbook (evaluate or reopen).",
        dir_okay=False, show_default=False)],
    requests: Annotated[Path, typer.Option(
        "--requests", help="The brokerage team's requests workbook (sheet Requests).",
        dir_okay=False, show_default=False)],
    exclude: Annotated[Path | None, typer.Option(
        "--exclude", help="Providers not to offer (sheet Exclusions: Provider ID, Reason, "
        "Officer, Date).", dir_okay=False, show_default=False)] = None,
    postcodes: Annotated[Path | None, typer.Option(
        "--postcodes", help="A newer ONS Postcode Directory or NSPL CSV (default: the bundled "
        "ONS data).", dir_okay=False, show_default=False)] = None,
    top: Annotated[int, typer.Option(
        "--top", min=1, help="Options shown per request on the terminal (the workbook holds "
        "all).")] = 5,
    out: Annotated[Path, typer.Option(
        "--out", help="Where to write the placements workbook (.xlsx).")] = Path("placements.xlsx"),
    force: ForceOption = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the placements as JSON on stdout.")] = False,
    tender: TenderOption = None,
) -> None:
    """Rank the framework's providers for each person's package: cost, distance, needs, days."""

    def run() -> None:
        from . import render
        from .place import PlaceRequest, run_place, to_json
        from .tender import load_tender

        request = PlaceRequest(shortlist, requests, load_tender(tender), exclude, postcodes, out,
                               force)
        result = run_place(request)
        if as_json:
            for note in result.warnings:
                render.warning_line(note)
            sys.stdout.write(json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n")
        else:
            render.placement_summary(result, top, str(out))

    _guarded(run)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
