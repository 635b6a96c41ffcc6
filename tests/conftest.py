"""Shared fixtures: the bundled tender, and running the real pipeline on bids built here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from clc_tender.evaluate import RoundContext, evaluate
from clc_tender.read.frames import read_folder
from clc_tender.read.panel import read_scores
from clc_tender.results import Evaluation, LotOutcome
from clc_tender.tender import Tender, load_tender
from clc_tender.testing.bidgen import BidSpec, valid_bid, write_bid
from clc_tender.testing.officers import write_scores
from clc_tender.workbook_format import Format, load_format


@pytest.fixture(scope="session")
def tender() -> Tender:
    return load_tender()


@pytest.fixture(scope="session")
def fmt(tender: Tender) -> Format:
    return load_format(tender)


def agreed_scores(pairs: Iterable[tuple[str, str]], tender: Tender, score: int = 4) -> list[tuple]:
    """Two evaluators agreeing on ``score`` for every question of each (bid, lot)."""
    return [
        (ref, lot, q.id, evaluator, score, f"{evaluator} comment on {q.id}")
        for ref, lot in pairs
        for q in tender.quality.questions
        for evaluator in ("JM", "AK")
    ]


def pairs_of(specs: Mapping[str, BidSpec], tender: Tender) -> list[tuple[str, str]]:
    return [
        (spec.bidder["Bid reference"], lot.name)
        for spec in specs.values()
        for lot in tender.lots
        if spec.bidder.get(f"Bidding for {lot.name}") == "Yes"
    ]


Runner = Callable[..., Evaluation]


@pytest.fixture
def run(tmp_path: Path, tender: Tender, fmt: Format) -> Runner:
    """Write ``specs`` (file name -> BidSpec) into a folder and evaluate it.

    Every (bid, lot) is scored 4 by two agreeing evaluators unless ``scores`` is given."""

    def go(
        specs: Mapping[str, BidSpec],
        scores: list[tuple] | None = None,
        tender_: Tender | None = None,
        formats: Mapping[str, Mapping[tuple[str, str], str]] | None = None,
        **options: object,
    ) -> Evaluation:
        definition = tender_ or tender
        folder = tmp_path / "bids"
        folder.mkdir(exist_ok=True)
        for name, spec in specs.items():
            write_bid(spec, folder / name, formats=(formats or {}).get(name))
        score_path = tmp_path / "scores.xlsx"
        write_scores(
            scores
            if scores is not None
            else agreed_scores(pairs_of(specs, definition), definition),
            score_path,
        )
        table = read_scores(score_path, definition)
        frames = read_folder(folder, definition, load_format(definition))
        return evaluate(
            frames,
            definition,
            load_format(definition),
            RoundContext(scores=table.frame, scores_file=score_path.name, **options),
        )  # type: ignore[arg-type]

    return go


def outcome(ev: Evaluation, ref: str, lot: str) -> LotOutcome:
    matches = [o for o in ev.outcomes if o.bid_reference == ref and o.lot == lot]
    assert len(matches) == 1, f"{ref}/{lot}: {[(o.bid_reference, o.lot) for o in ev.outcomes]}"
    return matches[0]


def codes(o: LotOutcome) -> list[str]:
    return [r.code for r in o.reasons]


def bid(tender: Tender, ref: str, *, lots: tuple[str, ...] | None = None, seed: int = 0) -> BidSpec:
    return valid_bid(tender, ref, lots=lots, seed=seed)
