"""`clc-tender uplift` through the command line: the record, the uplifted register and the
uplifted definition, a re-opening on them, and every refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tomllib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import bundled_path, load_tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_scores

from .conftest import agreed_scores

runner = CliRunner()
D = Decimal
DS, PA = "Day Services", "Personal Assistants"
FIGURES = ["--nlw", "12.21:12.71", "--cpi", "3.8", "--effective", "2027-04-01"]
SHEETS_AS_THEY_WERE = ("Summary", "Outcomes", "Quality", "Prices", "Findings", "Inputs", "Bidders")


def rows(path: Path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    data = list(ws.iter_rows(values_only=True))
    return [dict(zip(data[0], r, strict=False)) for r in data[1:]]


def items(path: Path) -> dict:
    return {r["Item"]: r["Value"] for r in rows(path, "Summary")}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kind(path: Path) -> str | None:
    props = openpyxl.load_workbook(path, read_only=True).custom_doc_props
    found = [p.value for p in props.props if p.name == "clc-tender"]
    return found[0] if found else None


@pytest.fixture(scope="module")
def round1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A round 1 shortlist with three members' prices chosen here."""
    tender = load_tender()
    root = tmp_path_factory.mktemp("uplift")
    bids = root / "bids"
    bids.mkdir()
    a = valid_bid(tender, "R1-A", lots=[DS], seed=1, companies_house="11111111")
    a.prices.update({"Band 1": D("48.75"), "Band 4": D("146.00")})
    b = valid_bid(tender, "R1-B", seed=2, companies_house="22222222")
    b.prices.update({"Band 1": D("48.50"), "PA Band": D("20.00")})
    c = valid_bid(tender, "R1-C", lots=[PA], seed=3, companies_house="33333333")
    for name, spec in {"a.xlsx": a, "b.xlsx": b, "c.xlsx": c}.items():
        write_bid(spec, bids / name)
    scores = root / "scores.xlsx"
    write_scores(
        agreed_scores([("R1-A", DS), ("R1-B", DS), ("R1-B", PA), ("R1-C", PA)], tender), scores
    )
    out = root / "shortlist.xlsx"
    result = runner.invoke(app, ["evaluate", str(bids), "--scores", str(scores), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(rows(out, "Framework")) == 4
    return out


@pytest.fixture(scope="module")
def uplifted(round1: Path) -> dict:
    folder = round1.parent / "uplifted"
    folder.mkdir()
    before = sha(round1)
    paths = {
        "out": folder / "uplift-2027-04-01.xlsx",
        "register": folder / "register.xlsx",
        "tender": folder / "clc-2027.toml",
    }
    result = runner.invoke(
        app,
        [
            "uplift",
            str(round1),
            *FIGURES,
            "--out",
            str(paths["out"]),
            "--register-out",
            str(paths["register"]),
            "--tender-out",
            str(paths["tender"]),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sha(round1) == before  # the input is never modified
    return {**paths, "output": result.output, "source": round1}


def test_terminal_shows_percent_ranges_and_total(uplifted: dict) -> None:
    text = uplifted["output"]
    assert "4.01%" in text and "£48.12 – £49.42" in text and "£50.05 – £51.40" in text
    assert "£144.01 – £148.23" in text and "£149.78 – £154.17" in text
    records = rows(uplifted["out"], "Providers")
    total = sum((D(str(r["Change (£)"])).quantize(D("0.01")) for r in records), D(0))
    assert f"changed by £{total}" in text
    assert "Uplift record written to" in text and "Uplifted register written to" in text
    assert "no contact details" not in text


def test_the_record(uplifted: dict, round1: Path) -> None:
    record = uplifted["out"]
    assert kind(record) == "uplift"
    assert openpyxl.load_workbook(record, read_only=True).sheetnames == [
        "Summary",
        "Bands",
        "Providers",
        "Letters",
    ]
    s = items(record)
    assert s["Effective date"] == dt.datetime(2027, 4, 1) and (
        s["NLW old (£ an hour)"],
        s["NLW new (£ an hour)"],
    ) == (12.21, 12.71)
    assert round(s["NLW change %"], 4) == 4.0950 and s["CPI %"] == 3.8
    assert (
        s["Register SHA-256"] == sha(round1)
        and s["Tender definition SHA-256"] == load_tender().sha256
    )
    assert "w × NLW change %" in s["Formula"]
    band1 = next(r for r in rows(record, "Bands") if r["Band"] == "Band 1")
    assert (band1["Staff share"], band1["Uplift %"]) == (0.7, 4.01)
    assert (
        band1["Old floor (£)"],
        band1["New floor (£)"],
        band1["Old ceiling (£)"],
        band1["New ceiling (£)"],
    ) == (48.12, 50.05, 49.42, 51.40)
    assert (
        next(r for r in rows(record, "Bands") if r["Band"] == "Band 4")["New ceiling (£)"] == 154.17
    )
    a1 = next(
        r
        for r in rows(record, "Providers")
        if r["Provider ID"] == "11111111" and r["Band"] == "Band 1"
    )
    assert (a1["Old price (£)"], a1["New price (£)"], a1["Change (£)"], a1["Change %"]) == (
        48.75,
        50.70,
        1.95,
        4.0,
    )
    letters = {r["Provider ID"]: r for r in rows(record, "Letters")}
    assert set(letters) == {"11111111", "22222222", "33333333"}  # one letter per provider
    assert letters["11111111"]["Effective date"] == "1 April 2027"
    assert "Band 1: £48.75 → £50.70 per session" in letters["11111111"]["Prices"].splitlines()
    assert "PA Band: £20.00 → £20.80 per hour" in letters["22222222"]["Prices"].splitlines()
    assert letters["11111111"]["Contact email"]


def test_the_uplifted_register(uplifted: dict, round1: Path) -> None:
    register = uplifted["register"]
    assert kind(register) == "shortlist"
    names = openpyxl.load_workbook(register, read_only=True).sheetnames
    assert names == [*openpyxl.load_workbook(round1, read_only=True).sheetnames, "Uplifts"]
    for sheet in SHEETS_AS_THEY_WERE:
        assert rows(register, sheet) == rows(round1, sheet), sheet
    before = {(r["Provider ID"], r["Lot"]): r for r in rows(round1, "Framework")}
    after = {(r["Provider ID"], r["Lot"]): r for r in rows(register, "Framework")}
    assert (
        after[("11111111", DS)]["Band 1"] == 50.70 and after[("11111111", DS)]["Band 4"] == 151.85
    )
    assert after[("22222222", PA)]["PA Band"] == 20.80
    for key, row in before.items():
        for column, value in row.items():
            if column.startswith("Band") or column == "PA Band":
                expected = (
                    None
                    if value is None
                    else float((D(str(value)) * D("1.0401")).quantize(D("0.01"), "ROUND_HALF_UP"))
                )
                assert after[key][column] == expected, (key, column)
            else:
                assert after[key][column] == value, (key, column)
    wb = openpyxl.load_workbook(register)  # prices stay money, as the contract declares
    band1 = wb["Framework"]["H2"]
    assert band1.number_format == "£#,##0.00" and isinstance(band1.value, float)
    assert wb["Rate card"]["E2"].number_format == "£#,##0.00"
    assert wb["Outcomes"]["D2"].fill.fgColor.rgb.endswith("C6EFCE")  # admitted, coloured as it was
    (history,) = rows(register, "Uplifts")
    assert history["Effective"] == dt.datetime(2027, 4, 1)
    assert "Band 1: 4.01%" in history["Uplift %"]
    assert history["NLW"] == "£12.21 → £12.71" and history["CPI"] == 3.8
    assert history["Register SHA-256"] == sha(round1)


def test_the_rate_card_is_recomputed_and_reranked(uplifted: dict) -> None:
    card = [r for r in rows(uplifted["register"], "Rate card") if r["Band"] == "Band 1"]
    assert [(r["Rank"], r["Provider ID"], r["Price (£)"]) for r in card] == [
        (1, "22222222", 50.44),  # 48.50 × 1.0401 = 50.44485
        (2, "11111111", 50.70),
    ]
    assert card[0]["Hourly (£)"] == 8.41  # 50.44 ÷ 6 = 8.4067
    framework = rows(uplifted["register"], "Framework")
    assert len(rows(uplifted["register"], "Rate card")) == sum(
        1
        for m in framework
        for k, v in m.items()
        if (k.startswith("Band") or k == "PA Band") and v is not None
    )


def test_the_uplifted_definition(uplifted: dict, tmp_path: Path) -> None:
    written = uplifted["tender"]
    before = tomllib.loads(bundled_path().read_text())
    after = tomllib.loads(written.read_text())

    def strip(data: dict) -> dict:
        limits = ("floor", "ceiling")
        bands = [{k: v for k, v in b.items() if k not in limits} for b in data["bands"]]
        return {**data, "bands": bands}

    assert strip(after) == strip(before)
    assert {b["name"]: (b["floor"], b["ceiling"]) for b in after["bands"]}["Band 1"] == (
        "50.05",
        "51.40",
    )
    assert "# Band 5 may be priced only together with one of these" in written.read_text()
    definition = load_tender(written)
    assert (definition.band("Band 4").floor, definition.band("Band 4").ceiling) == (
        D("149.78"),
        D("154.17"),
    )
    # the template of the uplifted definition publishes the new ranges
    template = tmp_path / "response.xlsx"
    result = runner.invoke(app, ["template", "--tender", str(written), "--out", str(template)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(template)["Pricing"]
    band1 = next(dv for dv in ws.data_validations.dataValidation if "C2" in dv.sqref)
    assert "C2>=50.05" in band1.formula1 and "C2<=51.40" in band1.formula1
    assert "£50.05 to £51.40" in band1.prompt


def test_reopen_on_the_uplifted_register_with_the_uplifted_definition(uplifted: dict) -> None:
    root = uplifted["register"].parent
    definition = load_tender(uplifted["tender"])
    r2 = dataclasses.replace(
        definition, deadline=dt.datetime(2027, 9, 17, 12, 0, tzinfo=definition.tz)
    )
    inside = valid_bid(r2, "R2-D", lots=[DS], seed=4, companies_house="44444444")
    inside.prices["Band 1"] = D("51.00")  # above the old ceiling £49.42, inside £50.05 – £51.40
    below = valid_bid(r2, "R2-E", lots=[DS], seed=5, companies_house="55555555")
    below.prices["Band 1"] = D("49.00")  # inside the old range, below the new floor £50.05
    again = valid_bid(r2, "R2-A", lots=[DS], seed=6, companies_house="11111111")
    bids = root / "round2"
    bids.mkdir()
    for name, spec in {"d.xlsx": inside, "e.xlsx": below, "a.xlsx": again}.items():
        write_bid(spec, bids / name)
    scores = root / "round2-scores.xlsx"
    write_scores(agreed_scores([("R2-D", DS), ("R2-E", DS), ("R2-A", DS)], r2), scores)
    out = root / "shortlist-round-2.xlsx"
    result = runner.invoke(
        app,
        [
            "reopen",
            str(bids),
            "--register",
            str(uplifted["register"]),
            "--deadline",
            "2027-09-17T12:00",
            "--scores",
            str(scores),
            "--tender",
            str(uplifted["tender"]),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    outcomes = {r["Bid reference"]: r for r in rows(out, "Outcomes")}
    assert outcomes["R2-D"]["Outcome"] == "admitted"
    assert outcomes["R2-E"]["Outcome"] == "disqualified-price"
    assert "£50.05" in outcomes["R2-E"]["Reasons"]
    assert outcomes["R2-A"]["Outcome"] == "already-admitted"
    members = {(r["Provider ID"], r["Lot"]): r for r in rows(out, "Framework")}
    carried = {(r["Provider ID"], r["Lot"]): r for r in rows(uplifted["register"], "Framework")}
    assert all(members[k] == v for k, v in carried.items())  # members keep their uplifted prices
    assert (
        members[("11111111", DS)]["Band 1"] == 50.70
        and members[("44444444", DS)]["Band 1"] == 51.00
    )
    band1 = next(r for r in rows(out, "Prices") if r["Band"] == "Band 1")
    assert (band1["Floor (£)"], band1["Ceiling (£)"]) == (50.05, 51.40)
    assert rows(out, "Uplifts") == rows(uplifted["register"], "Uplifts")  # carried forward

    # a later uplift of round 2's register adds its row after the first
    later = root / "later"
    later.mkdir()
    result = runner.invoke(
        app,
        [
            "uplift",
            str(out),
            "--uplift",
            "2.5",
            "--effective",
            "2028-04-01",
            "--tender",
            str(uplifted["tender"]),
            "--out",
            str(later / "u.xlsx"),
            "--register-out",
            str(later / "r.xlsx"),
            "--tender-out",
            str(later / "t.toml"),
        ],
    )
    assert result.exit_code == 0, result.output
    # round 2's Bidders sheet lists only round 2's bidders: the others' letters need contacts
    assert "2 provider(s) have no contact details" in result.stderr
    assert "22222222, 33333333" in result.stderr
    letters = {r["Provider ID"]: r for r in rows(later / "u.xlsx", "Letters")}
    assert letters["22222222"]["Contact email"] is None and letters["44444444"]["Contact email"]
    history = rows(later / "r.xlsx", "Uplifts")
    assert [h["Effective"] for h in history] == [dt.datetime(2027, 4, 1), dt.datetime(2028, 4, 1)]
    assert history[1]["NLW"] is None and "Band 1: 2.5%" in history[1]["Uplift %"]
    assert load_tender(later / "t.toml").band("Band 1").floor == D(
        "51.30"
    )  # 50.05 × 1.025 = 51.30125
    # and that register, uplifted again for the same date, is refused
    again_ = runner.invoke(
        app,
        [
            "uplift",
            str(later / "r.xlsx"),
            "--uplift",
            "2.5",
            "--effective",
            "2028-04-01",
            "--out",
            str(later / "u2.xlsx"),
            "--register-out",
            str(later / "r2.xlsx"),
            "--tender-out",
            str(later / "t2.toml"),
        ],
    )
    assert (
        again_.exit_code == 2
        and "already uplifted with effective date 1 April 2028" in again_.stderr
    )


def test_decided_uplift_and_cap_through_the_cli(round1: Path, tmp_path: Path) -> None:
    def bands(*options: str) -> dict:
        out = tmp_path / f"u{len(list(tmp_path.iterdir()))}.xlsx"
        result = runner.invoke(
            app,
            [
                "uplift",
                str(round1),
                *options,
                "--effective",
                "2027-04-01",
                "--out",
                str(out),
                "--register-out",
                str(tmp_path / f"r-{out.name}"),
                "--tender-out",
                str(tmp_path / f"t-{out.stem}.toml"),
            ],
        )
        assert result.exit_code == 0, result.output
        return {r["Band"]: r for r in rows(out, "Bands")}

    decided = bands("--uplift", "10")
    assert decided["Band 1"]["Uplift %"] == 10 and decided["Band 1"]["Staff share"] is None
    assert decided["Band 1"]["New floor (£)"] == 52.93  # 48.12 × 1.1 = 52.932
    capped = bands("--nlw", "12.21:12.71", "--cpi", "3.8", "--cap", "3.5")
    assert {r["Uplift %"] for r in capped.values()} == {3.5}


def _refused(result, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--nlw", "12.21:12.71", "--cpi", "31", "--effective", "2027-04-01"], "--cpi 31"),
        (["--nlw", "12.71:12.21", "--cpi", "3", "--effective", "2027-04-01"], "below the old one"),
        (["--nlw", "12.21:12.71", "--effective", "2027-04-01"], "--cpi"),
        (["--uplift", "-2", "--effective", "2027-04-01"], "between 0% and 30%"),
        (["--uplift", "3", "--cap", "2", "--effective", "2027-04-01"], "--cap"),
        (["--uplift", "3", "--effective", "1 April 2027"], "--effective"),
    ],
    ids=["cpi-absurd", "nlw-falls", "cpi-missing", "negative-uplift", "cap-with-decided", "date"],
)
def test_absurd_figures_refused(
    round1: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    result = runner.invoke(
        app,
        [
            "uplift",
            str(round1),
            *options,
            "--out",
            str(tmp_path / "u.xlsx"),
            "--register-out",
            str(tmp_path / "r.xlsx"),
            "--tender-out",
            str(tmp_path / "t.toml"),
        ],
    )
    _refused(result, message)
    assert list(tmp_path.iterdir()) == []


def test_an_earlier_effective_date_is_refused(uplifted: dict, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "uplift",
            str(uplifted["register"]),
            "--uplift",
            "2",
            "--effective",
            "2027-03-31",
            "--out",
            str(tmp_path / "u.xlsx"),
            "--register-out",
            str(tmp_path / "r.xlsx"),
            "--tender-out",
            str(tmp_path / "t.toml"),
        ],
    )
    _refused(result, "not after the last uplift")
    assert list(tmp_path.iterdir()) == []


def test_the_uplifted_register_again_for_the_same_date_is_refused(
    uplifted: dict, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "uplift",
            str(uplifted["register"]),
            *FIGURES,
            "--tender",
            str(uplifted["tender"]),
            "--out",
            str(tmp_path / "u.xlsx"),
            "--register-out",
            str(tmp_path / "r.xlsx"),
            "--tender-out",
            str(tmp_path / "t.toml"),
        ],
    )
    _refused(result, "already uplifted with effective date 1 April 2027")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", ["--out", "--register-out"])
def test_an_output_that_is_the_register_is_refused_even_with_force(
    round1: Path, tmp_path: Path, option: str
) -> None:
    before = sha(round1)
    others = {"--out": tmp_path / "u.xlsx", "--register-out": tmp_path / "r.xlsx"}
    others[option] = round1
    link = tmp_path / "link.xlsx"
    link.symlink_to(round1)
    for target in (round1, link):
        others[option] = target
        result = runner.invoke(
            app,
            [
                "uplift",
                str(round1),
                *FIGURES,
                "--force",
                "--tender-out",
                str(tmp_path / "t.toml"),
                *[x for k, v in others.items() for x in (k, str(v))],
            ],
        )
        _refused(result, "an output never replaces an input")
    assert sha(round1) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx"]


def test_a_tender_out_that_is_the_definition_is_refused(round1: Path, tmp_path: Path) -> None:
    definition = tmp_path / "mine.toml"
    definition.write_text(bundled_path().read_text())
    before = definition.read_text()
    result = runner.invoke(
        app,
        [
            "uplift",
            str(round1),
            *FIGURES,
            "--tender",
            str(definition),
            "--force",
            "--tender-out",
            str(definition),
            "--out",
            str(tmp_path / "u.xlsx"),
            "--register-out",
            str(tmp_path / "r.xlsx"),
        ],
    )
    _refused(result, "an output never replaces an input")
    assert definition.read_text() == before


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        ({"--out": "same.xlsx", "--register-out": "same.xlsx"}, "the same file"),
        ({"--out": "u.csv"}, "must end in .xlsx"),
        ({"--tender-out": "t.txt"}, "must end in .toml"),
        ({"--out": "missing/u.xlsx"}, "does not exist"),
    ],
    ids=["two-outputs-one-file", "csv", "toml", "missing-folder"],
)
def test_output_problems_are_refused(
    round1: Path, tmp_path: Path, paths: dict, message: str
) -> None:
    options = {"--out": "u.xlsx", "--register-out": "r.xlsx", "--tender-out": "t.toml", **paths}
    result = runner.invoke(
        app,
        [
            "uplift",
            str(round1),
            *FIGURES,
            *[x for k, v in options.items() for x in (k, str(tmp_path / v))],
        ],
    )
    _refused(result, message)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_needs_force_and_nothing_is_half_written(
    round1: Path, tmp_path: Path
) -> None:
    (tmp_path / "r.xlsx").write_bytes(b"earlier")
    options = [
        "--out",
        str(tmp_path / "u.xlsx"),
        "--register-out",
        str(tmp_path / "r.xlsx"),
        "--tender-out",
        str(tmp_path / "t.toml"),
    ]
    result = runner.invoke(app, ["uplift", str(round1), *FIGURES, *options])
    _refused(result, "already exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]
    assert runner.invoke(app, ["uplift", str(round1), *FIGURES, *options, "--force"]).exit_code == 0
    assert kind(tmp_path / "r.xlsx") == "shortlist"


def test_default_output_names(
    round1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["uplift", str(round1), *FIGURES])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "clc-2026-2027-04-01.toml",
        "shortlist-uplifted-2027-04-01.xlsx",
        "uplift-2027-04-01.xlsx",
    ]


def test_a_definition_without_staff_share_needs_a_decided_uplift(
    round1: Path, tmp_path: Path
) -> None:
    text = bundled_path().read_text()
    start = text.index("[uplift]")
    bare = tmp_path / "bare.toml"
    bare.write_text(text[:start] + text[text.index("[[bands]]") :])
    assert load_tender(bare).staff_share is None
    result = runner.invoke(
        app,
        [
            "uplift",
            str(round1),
            *FIGURES,
            "--tender",
            str(bare),
            "--out",
            str(tmp_path / "u.xlsx"),
            "--register-out",
            str(tmp_path / "r.xlsx"),
            "--tender-out",
            str(tmp_path / "t.toml"),
        ],
    )
    _refused(result, "no staff share")


def test_letters_accept_the_uplifted_register(uplifted: dict, tmp_path: Path) -> None:
    out = tmp_path / "letters.xlsx"
    result = runner.invoke(
        app,
        ["letters", str(uplifted["register"]), "--out", str(out), "--letter-date", "2027-04-01"],
    )
    assert result.exit_code == 0, result.output
    assert len(rows(out, "Letters")) == len(rows(uplifted["register"], "Outcomes"))
