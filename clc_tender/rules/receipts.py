"""Lateness judged on the portal's receipts (``--receipts``): pure, no I/O."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..findings import Finding, long_date
from ..read.receipts import DECLARED_SLACK, Receipts
from .gates import place_of


def receipt_findings(
    bids: pd.DataFrame, receipts: Receipts, deadline: dt.datetime
) -> list[Finding]:
    """``late`` on Received at alone; ``receipt-missing`` for a bid with no receipt,
    ``submitted-at-differs`` when the declared time is more than an hour from the receipt,
    ``receipt-unused`` for a receipt with no bid in the folder."""
    found: list[Finding] = []
    tz = deadline.tzinfo
    for index, record in bids[bids["_opened"]].iterrows():
        bid, file, reference = int(index), str(record["file"]), record["bid_reference"]
        if not reference:
            continue
        sheet, cell = place_of(bids, bid, "bid_reference")
        receipt = receipts.by_reference.get(str(reference).casefold())
        if receipt is None:
            found.append(
                Finding.make(
                    file,
                    sheet,
                    cell,
                    "receipt-missing",
                    f"the portal's receipts ({receipts.file}) hold no receipt for {reference}:"
                    " an officer checks how this bid arrived",
                    plain="The council is checking the record of when your bid was received.",
                )
            )
            continue
        where = f"{receipts.file}, {receipts.place(receipt.cell)}"
        received = receipt.received_at.astimezone(tz)
        if receipt.received_at > deadline:
            found.append(
                Finding.make(
                    file,
                    sheet,
                    cell,
                    "late",
                    f"received by the portal {long_date(received)} ({where}), after the deadline"
                    f" {long_date(deadline)}",
                    plain=f"Your bid was received at {received:%H:%M:%S} on"
                    f" {long_date(received.date())}, after the deadline of {deadline:%H:%M:%S}"
                    f" on {long_date(deadline.date())}.",
                )
            )
        submitted = record.get("submitted_at")
        if (
            isinstance(submitted, dt.datetime)
            and abs(submitted - receipt.received_at) > DECLARED_SLACK
        ):
            at_sheet, at_cell = place_of(bids, bid, "submitted_at")
            found.append(
                Finding.make(
                    file,
                    at_sheet,
                    at_cell,
                    "submitted-at-differs",
                    f"Submitted at says {long_date(submitted.astimezone(tz))} but the portal"
                    f" received the bid {long_date(received)} ({where}); lateness is judged on"
                    " the receipt",
                )
            )
    known = {str(r).casefold() for r in bids["bid_reference"] if r}
    for key, receipt in receipts.by_reference.items():
        if key not in known:
            found.append(
                Finding.make(
                    receipts.file,
                    receipts.sheet,
                    receipt.reference_cell,
                    "receipt-unused",
                    f"the portal received {receipt.bid_reference}"
                    f" {long_date(receipt.received_at.astimezone(tz))} but no bid with that"
                    " reference is in the folder: was a bid lost on the way?",
                    bid_reference=receipt.bid_reference,
                )
            )
    return found
