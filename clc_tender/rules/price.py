"""Price rules: required bands per lot, Band 5's companions, and the floor-ceiling range."""

from __future__ import annotations

import pandas as pd

from ..findings import Finding, money
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
        Finding.make(row.file, "Pricing", row.cell, "ignored-price",
                     f"{row.band} is priced but the bid is not for {band_lot[row.band]}; the price is ignored")
        for row in not_bid.itertuples(index=False) if lots.get(int(row.bid))
    ]

    # range: inclusive floor and ceiling, exact pence
    priced = in_lot[in_lot["price"].notna()]
    bands = {b.name: b for b in tender.bands}
    for row in priced.itertuples(index=False):
        band = bands[row.band]
        if row.price < band.floor:
            findings.append(Finding.make(
                row.file, "Pricing", row.cell, "price-below-floor",
                f"price {money(row.price)} for {band.name} is below the floor {money(band.floor)} (range {money(band.floor)} – {money(band.ceiling)} per {band.unit})",
                lots=(band.lot,),
                plain=f"Your price for {band.name} of {money(row.price)} per {band.unit} is below the published floor of {money(band.floor)}."))
        elif row.price > band.ceiling:
            findings.append(Finding.make(
                row.file, "Pricing", row.cell, "price-above-ceiling",
                f"price {money(row.price)} for {band.name} is above the ceiling {money(band.ceiling)} (range {money(band.floor)} – {money(band.ceiling)} per {band.unit})",
                lots=(band.lot,),
                plain=f"Your price for {band.name} of {money(row.price)} per {band.unit} is above the published ceiling of {money(band.ceiling)}."))

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
                names = " or ".join(lot.required_any_of) if len(lot.required_any_of) > 1 else lot.required_any_of[0]
                findings.append(Finding.make(
                    files[bid], "Pricing", cell_of.get((bid, lot.required_any_of[0]), ""), "price-missing",
                    f"a {lot.name} bid must price {names}", lots=(lot.name,),
                    plain=f"A bid for the {lot.name} lot must include a price for {names}; your bid did not."))
        for band in tender.bands:
            if band.lot in bid_lots and band.only_with_any_of and band.name in offered.get(bid, set()):
                if not offered.get(bid, set()) & set(band.only_with_any_of):
                    findings.append(Finding.make(
                        files[bid], "Pricing", cell_of.get((bid, band.name), ""), "band5-without-band3-or-4",
                        f"{band.name} may be priced only together with {' or '.join(band.only_with_any_of)}",
                        lots=(band.lot,),
                        plain=f"You priced {band.name}, which may only be offered together with {' or '.join(band.only_with_any_of)}."))
    return findings

