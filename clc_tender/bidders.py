"""Who each bid of a round is (reference, organisation, provider, file, lots), the bids of one
provider for one lot, and the ``Bidders`` sheet's rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .findings import Finding
from .read.frames import BidFrames
from .results import Member, provider_id
from .rules import lots_by_bid
from .rules.quality import QualityResult
from .tender import Tender


@dataclass(frozen=True)
class Bids:
    """Who each bid of the round is: reference, organisation, provider, file, lots."""

    refs: dict[int, str]
    organisations: dict[int, str]
    ids: dict[int, str]
    files: dict[int, str]
    lots: dict[int, tuple[str, ...]]

    def pairs(self, exclude: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str]]:
        """(bid, lot) -> (bid reference, file) of every lot bid for with a reference."""
        return {
            (bid, lot): (self.refs[bid], self.files[bid])
            for bid, bid_lots in self.lots.items()
            for lot in bid_lots
            if self.refs[bid] and (bid, lot) not in exclude
        }

    def already_members(self, on_framework: dict[tuple[str, str], Member]) -> set[tuple[int, str]]:
        """The (bid, lot)s whose provider is already a member of the framework for the lot."""
        return {
            (bid, lot)
            for bid, bid_lots in self.lots.items()
            for lot in bid_lots
            if self.ids[bid] and (self.ids[bid], lot) in on_framework
        }

    @classmethod
    def of(cls, bids: pd.DataFrame, tender: Tender) -> Bids:
        return cls(
            refs={int(i): str(v or "") for i, v in bids["bid_reference"].items()},
            organisations={int(i): str(v or "") for i, v in bids["organisation_name"].items()},
            ids={
                int(i): provider_id(ch, charity)
                for i, ch, charity in zip(
                    bids.index, bids["companies_house_number"], bids["charity_number"], strict=True
                )
            },
            files={int(i): str(v) for i, v in bids["file"].items()},
            lots=lots_by_bid(bids, tender.lot_names),
        )


def same_provider(who: Bids, already: set[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    """(bid, lot) -> the other bid references of the same provider for that lot."""
    groups: dict[tuple[str, str], list[int]] = {}
    for bid, bid_lots in who.lots.items():
        for lot in bid_lots:
            if who.ids.get(bid) and who.refs.get(bid) and (bid, lot) not in already:
                groups.setdefault((who.ids[bid], lot), []).append(bid)
    twins: dict[tuple[int, str], list[str]] = {}
    for (_, lot), bids in groups.items():
        if len({who.refs[b].casefold() for b in bids}) < 2:
            continue  # one reference in two files is duplicate-bid-reference
        for bid in bids:
            mine = who.refs[bid].casefold()
            twins[(bid, lot)] = sorted(
                {who.refs[b] for b in bids if who.refs[b].casefold() != mine}
            )
    return twins


def duplicate_providers(
    twins: dict[tuple[int, str], list[str]],
    who: Bids,
    frames: BidFrames,
    result: QualityResult,
) -> list[Finding]:
    """``duplicate-provider`` referrals, each reaching its (bid, lot) directly."""
    found = []
    for (bid, lot), others in twins.items():
        read = frames.reads[bid]
        key = "companies_house_number" if read.cell("companies_house_number") else "charity_number"
        twin = Finding.make(
            read.file,
            "Bidder",
            read.cell(key),
            "duplicate-provider",
            f"the provider {who.ids[bid]} also bids for {lot} as {', '.join(others)}; a provider"
            " holds one place per lot: an officer accepts one bid and rejects the other",
            bid_reference=who.refs[bid],
            lots=(lot,),
            plain=f"Your organisation sent more than one bid for the {lot} lot, and a provider"
            " holds one place per lot; the council is deciding which bid stands.",
        )
        result.by_pair.setdefault((bid, lot), []).append(twin)
        found.append(twin)
    return found


BIDDER_FIELDS = {
    "bid_reference": "bid_reference",
    "organisation": "organisation_name",
    "contact_name": "contact_name",
    "contact_email": "contact_email",
    "contact_telephone": "contact_telephone",
    "registered_address": "registered_address",
    "postcode": "postcode",
    "file": "file",
}


def bidder_rows(bids: pd.DataFrame, who: Bids) -> tuple[dict[str, str], ...]:
    """One row per bid for the ``Bidders`` sheet, keyed by column key."""
    records = bids[list(BIDDER_FIELDS.values())].to_dict("records")
    rows = [
        {
            **{key: str(r[field] or "") for key, field in BIDDER_FIELDS.items()},
            "provider_id": who.ids[int(i)],
        }
        for i, r in zip(bids.index, records, strict=True)
    ]
    rows.sort(key=lambda b: (b["bid_reference"] == "", b["bid_reference"].casefold(), b["file"]))
    return tuple(rows)
