"""The blank requests workbook of the brokerage team (``clc-tender template --requests``).

Sheet ``Requests`` with the columns of ``call-off.md`` and drop-downs for lot, band, support
needs and days (a list cell accepts one choice from the list; several needs or days are
typed separated by ``;``, so those two only warn), hours in steps of half an hour, and an
``Exclusions`` sheet for the officers' exclusions (``--exclude`` reads the same layout).
No ``clc-tender`` document property: it is an input, filled in by the team.
"""

from __future__ import annotations

from pathlib import Path

from xlsxwriter import Workbook

from ..read.requests import EXCLUSION_HEADERS, REQUEST_COLUMNS
from ..rules.placement import DAYS
from ..tender import Tender
from .atomic import atomic_output

ROWS = 500  # rows with drop-downs


def write_requests_template(tender: Tender, out: Path, *, force: bool = False) -> None:
    with atomic_output(Path(out), force) as tmp:
        wb = Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties(
            {
                "title": f"{tender.reference} placement requests",
                "company": tender.contracting_authority,
            }
        )
        header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        ws = wb.add_worksheet("Requests")
        exclusions = wb.add_worksheet("Exclusions")
        lists = wb.add_worksheet("Lists")
        columns = {
            "lots": tender.lot_names,
            "bands": tender.band_names,
            "needs": tender.support_needs,
            "days": DAYS,
        }
        ranges: dict[str, str] = {}
        for col, (name, items) in enumerate(columns.items()):
            lists.write_string(0, col, name, header)
            for row, item in enumerate(items, start=1):
                lists.write_string(row, col, item)
            letter = chr(ord("A") + col)
            ranges[name] = f"=Lists!${letter}$2:${letter}${len(items) + 1}"
        widths = (14, 22, 14, 44, 20, 12, 15, 18)
        for col, (title, width) in enumerate(zip(REQUEST_COLUMNS, widths, strict=True)):
            ws.set_column(col, col, width)
            ws.write_string(0, col, title, header)
        last = ROWS

        def choose(col: int, source: str, title: str, message: str, stop: bool) -> None:
            ws.data_validation(
                1,
                col,
                last,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "input_title": title,
                    "input_message": message,
                    "error_type": "stop" if stop else "information",
                    "error_message": message,
                },
            )

        choose(1, ranges["lots"], "Lot", "Day Services or Personal Assistants.", True)
        choose(
            3,
            ranges["needs"],
            "Support needs",
            "Pick one, or type several separated by ; (all must be met).",
            False,
        )
        choose(
            4,
            ranges["days"],
            "Days",
            "Day Services only: pick one, or type several separated by ; e.g. Mon;Wed;Fri.",
            False,
        )
        choose(5, ranges["bands"], "Band", "A band of the lot. Band 5 only with Band 3 or 4.", True)
        ws.data_validation(
            1,
            6,
            last,
            6,
            {
                "validate": "custom",
                "value": "=AND(ISNUMBER(G2),G2>0,MOD(G2*2,1)=0)",
                "input_title": "Hours per week",
                "input_message": "Above 0, in steps of 0.5.",
                "error_message": "Hours per week: a number above 0 in steps of 0.5.",
            },
        )
        ws.data_validation(
            1,
            7,
            last,
            7,
            {
                "validate": "decimal",
                "criteria": ">",
                "value": 0,
                "input_title": "Max distance (km)",
                "input_message": "Optional, Day Services only: the furthest a service may be, "
                "in km in a straight line.",
                "error_message": "A number of km above 0.",
            },
        )
        ws.freeze_panes(1, 0)
        for col, title in enumerate(EXCLUSION_HEADERS.values()):
            exclusions.set_column(col, col, 30 if title == "Reason" else 16)
            exclusions.write_string(0, col, title, header)
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        exclusions.set_column(3, 3, 14, date)
        lists.hide()
        wb.close()
