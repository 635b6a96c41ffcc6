"""Price rules: required bands per lot, Band 5's companions, and the floor-ceiling range."""

from __future__ import annotations

import pandas as pd

from ..findings import Finding
from ..tender import Tender


def price_findings(prices: pd.DataFrame, bids: pd.DataFrame, lots: dict[int, tuple[str, ...]], tender: Tender) -> list[Finding]:
    findings: list[Finding] = []
    band_lot = {b.name: b.lot for b in tender.bands}
    known = prices[prices["band"].notna()]
    lot_of_row = known["band"].map(band_lot)
    bid_for = [lot in lots.get(int(bid), ()) for bid, lot in zip(known["bid"], lot_of_row, strict=True)]
    in_lot = known[pd.Series(bid_for, index=known.index, dtype=bool)]
    not_bid = known[~pd.Series(bid_for, index=known.index, dtype=bool) & (known["price"].notna() | known["invalid"])]
    findings += [
        Finding.of(row.file, "Pricing", row.cell, "ignored-price", band=row.band, lot=band_lot[row.band])
        for row in not_bid.itertuples(index=False) if lots.get(int(row.bid))
    ]

    # range: inclusive floor and ceiling, exact pence
    priced = in_lot[in_lot["price"].notna()]
    bands = {b.name: b for b in tender.bands}
    for row in priced.itertuples(index=False):
        band = bands[row.band]
        if row.price < band.floor or row.price > band.ceiling:
            code = "price-below-floor" if row.price < band.floor else "price-above-ceiling"
            findings.append(Finding.of(
                row.file, "Pricing", row.cell, code, lots=(band.lot,), price=row.price,
                band=band.name, floor=band.floor, ceiling=band.ceiling, unit=band.unit))

    # required bands and companions, per (bid, lot)
    offered: dict[int, set[str]] = {}
    attempted: dict[int, set[str]] = {}  # priced, validly or not
    for row in in_lot.itertuples(index=False):
        if row.price is not None:
            offered.setdefault(int(row.bid), set()).add(row.band)
        if row.price is not None or row.invalid:
            attempted.setdefault(int(row.bid), set()).add(row.band)
    cell_of = {(int(r.bid), r.band): r.cell for r in in_lot.itertuples(index=False)}
    files = bids["file"].to_dict()
    readable = {
        int(bid) for bid, opened, sheets in zip(bids.index, bids["_opened"], bids["_sheets"], strict=True)
        if opened and "Pricing" in sheets
    }
    for bid, bid_lots in lots.items():
        if bid not in readable:
            continue
        for lot in tender.lots:
            if lot.name not in bid_lots:
                continue
            tried = attempted.get(bid, set())
            if not tried & set(lot.required_any_of):
                findings.append(Finding.of(
                    files[bid], "Pricing", cell_of.get((bid, lot.required_any_of[0]), ""), "price-missing",
                    lots=(lot.name,), lot=lot.name, bands=lot.required_any_of))
        for band in tender.bands:
            if band.lot in bid_lots and band.only_with_any_of and band.name in offered.get(bid, set()):
                if not offered.get(bid, set()) & set(band.only_with_any_of):
                    findings.append(Finding.of(
                        files[bid], "Pricing", cell_of.get((bid, band.name), ""), "band5-without-band3-or-4",
                        lots=(band.lot,), band=band.name, companions=band.only_with_any_of))
    return findings

