"""The command line: options -> pipeline -> render. Owns every exit code.

Exit 0 when a run completes (whatever the outcomes), 1 when ``check`` finds errors or on an
unexpected internal fault, 2 for a usage error or an unusable input that stops the run.
Heavy libraries are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import gc
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
    typer.Option(
        "--tender",
        help="Tender definition file (TOML); default: the bundled CLC 2026 definition.",
        dir_okay=False,
    ),
]


ScoresOption = Annotated[
    Path | None,
    typer.Option("--scores", help="The evaluation panel's scores workbook.", dir_okay=False),
]
DecisionsOption = Annotated[
    Path | None,
    typer.Option(
        "--decisions", help="The officers' decisions on referrals (workbook).", dir_okay=False
    ),
]
ReceiptsOption = Annotated[
    Path | None,
    typer.Option(
        "--receipts",
        dir_okay=False,
        help="The portal's receipt times (.xlsx sheet Receipts, or .csv): lateness is "
        "judged on Received at.",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing output (never an input).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON on stdout.")]


class UsageProblem(Exception):
    """A problem with what the officer asked for: one line, exit 2."""


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal fault.")
    ] = False,
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
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); run again with --debug for details", 1
        )


def _load_tender(path: Path | None) -> Any:
    from .tender import load_tender
    from .workbook_format import load_format

    tender = load_tender(path)
    return tender, load_format(tender)


@app.command()
def template(
    tender: TenderOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write it (default tender-response.xlsx, or requests.xlsx with "
            "--requests).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    requests: Annotated[
        bool,
        typer.Option("--requests", help="Write the blank requests workbook for place instead."),
    ] = False,
) -> None:
    """Write the blank tender response workbook of the tender definition (issued with it)."""

    def run() -> None:
        from .tender import load_tender
        from .workbook_format import load_format
        from .write.atomic import check_output
        from .write.template import write_template

        definition = load_tender(tender)
        if requests:
            from .write.requests_template import write_requests_template

            target = out or Path("requests.xlsx")
            check_output(
                target, force, [tender] if tender else [], [".xlsx"], "the requests workbook"
            )
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
    paths: Annotated[
        list[Path],
        typer.Argument(help="Response workbooks, or folders of them.", show_default=False),
    ],
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
    bids_dir: Annotated[
        Path, typer.Argument(help="Folder of response workbooks (.xlsx).", show_default=False)
    ],
    scores: ScoresOption = None,
    decisions: DecisionsOption = None,
    tender: TenderOption = None,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the shortlist workbook.")
    ] = Path("shortlist.xlsx"),
    force: ForceOption = False,
    as_json: JsonOption = False,
    receipts: ReceiptsOption = None,
) -> None:
    """Evaluate every workbook in the folder (round 1) and write the award shortlist workbook."""
    _guarded(
        lambda: _run_round(
            _request(
                tender,
                None,
                bids_dir=bids_dir,
                scores=scores,
                decisions=decisions,
                out=out,
                force=force,
                receipts=receipts,
            ),
            as_json,
        )
    )


@app.command()
def reopen(
    bids_dir: Annotated[
        Path, typer.Argument(help="Folder of this round's response workbooks.", show_default=False)
    ],
    register: Annotated[
        Path,
        typer.Option(
            "--register",
            help="The latest shortlist workbook (from evaluate or an earlier reopen).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    deadline: Annotated[
        str,
        typer.Option(
            "--deadline",
            help="This round's deadline, ISO 8601 with a time, e.g. 2027-09-17T12:00 (UK time "
            "unless an offset is given).",
            show_default=False,
        ),
    ],
    award_date: Annotated[
        str | None,
        typer.Option(
            "--award-date",
            show_default=False,
            help="The planned award of this round, YYYY-MM-DD (default: the deadline plus round "
            "1's "
            "interval from deadline to award); the s.49 limits count awards.",
        ),
    ] = None,
    scores: ScoresOption = None,
    decisions: DecisionsOption = None,
    tender: TenderOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the shortlist (default shortlist-round-N.xlsx)."
        ),
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    receipts: ReceiptsOption = None,
) -> None:
    """Re-open the framework: evaluate a new round's bids, carrying existing members forward."""
    _guarded(
        lambda: _run_round(
            _request(
                tender,
                deadline,
                bids_dir=bids_dir,
                scores=scores,
                decisions=decisions,
                out=out,
                force=force,
                register=register,
                receipts=receipts,
                award_date=_parse_day("--award-date", award_date) if award_date else None,
            ),
            as_json,
        )
    )


def _parse_day(option: str, text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageProblem(
            f"{option} {text}: not an ISO date (YYYY-MM-DD, e.g. 2027-11-26)"
        ) from None


def _parse_deadline(text: str, tz: Any) -> Any:
    import datetime as dt
    import re

    stripped = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        raise UsageProblem(f"--deadline {text}: give a time too, e.g. {stripped}T12:00")
    try:
        value = dt.datetime.fromisoformat(stripped)
    except ValueError:
        raise UsageProblem(
            f"--deadline {text}: not an ISO 8601 date and time (e.g. 2027-09-17T12:00)"
        ) from None
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

        sys.stdout.write(
            json.dumps(to_json(result.evaluation, str(result.out)), indent=2, ensure_ascii=False)
            + "\n"
        )
    else:
        render.evaluation_summary(result.evaluation, str(result.out))


def main() -> None:
    """Run the CLI. A usage error (an unknown option, a bad option value) is one line on
    stderr naming the command, exit 2, like every other refusal."""
    # typer raises its (vendored) click's UsageError; BadParameter is its public subclass
    usage_error: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
    )
    try:
        code = app(standalone_mode=False)
    except usage_error as exc:
        from . import render

        if type(exc).__name__ == "NoArgsIsHelpError":  # no command given: the help
            typer.echo(str(getattr(exc, "format_message", exc.__str__)()))
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "clc-tender"
        message = str(getattr(exc, "format_message", exc.__str__)())
        render.error_line(f"{command}: {message} (see {command} --help)")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        from . import render

        render.error_line("interrupted")
        sys.exit(1)
    # the work is done and written: what is alive is left to the process's end, not to the
    # collector's last passes over pandas, numpy and the rest (about 0.1 s of every command)
    gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)


from . import cli_award  # noqa: E402, F401  (registers letters, uplift, report, place)

if __name__ == "__main__":
    main()
