"""params/interventions.yaml: the shipped entries, user entries, and malformed files."""

from __future__ import annotations

import textwrap

import pytest

from fgte_research import interventions as iv
from fgte_research.interventions.registry import default_path


def test_shipped_registry():
    reg = iv.load_registry()
    fgte = reg["fgte"]
    assert fgte.municipalities == ("1384", "1383", "1380", "1381")
    assert fgte.first_treated_year == 2018 and fgte.sources
    hylte = reg["fgte-hylte"]
    assert hylte.municipalities == ("1315",) and hylte.first_treated_year is None
    assert hylte.note == "året då Hylte anslöt framgår inte av källorna"
    with pytest.raises(ValueError, match="fgte-hylte.*anslöt framgår inte av källorna"):
        hylte.require_year()
    hap = reg["samverkan-haparanda"]
    assert hap.municipalities == ("2583",) and hap.first_treated_year == 2022
    assert hap.is_assumed("first_treated_year")
    assert any("juni 2024" in a.text for a in hap.assumptions)
    lands = reg["landskrona-attraktiv-skolkommun"]
    assert lands.municipalities == ("1282",) and lands.first_treated_year == 2013
    assert lands.is_assumed("first_treated_year")
    assert iv.get_intervention("fgte") == fgte
    with pytest.raises(ValueError, match="Okänd insats 'nope'"):
        iv.get_intervention("nope")


VALID_ENTRY = """
  - id: egen
    name: Egen insats
    municipalities: ["0114"]
    first_treated_year: 2020
    description: En användares egen post.
    sources: ["Kommunens beslut"]
    assumptions: []
    status: pågående
"""


def write(tmp_path, body: str):
    path = tmp_path / "interventions.yaml"
    path.write_text("interventions:\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def test_user_entries_and_default_path(tmp_path, monkeypatch):
    write(tmp_path, VALID_ENTRY)
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(tmp_path))
    assert default_path() == tmp_path / "interventions.yaml"
    reg = iv.load_registry()
    assert list(reg) == ["egen"] and reg["egen"].municipalities == ("0114",)
    assert iv.get_intervention("egen").first_treated_year == 2020


@pytest.mark.parametrize("old,new,field,problem", [
    ("    status: pågående\n", "", "status", "fältet saknas"),
    ('["0114"]', "[114]", "municipalities", "skriv koden inom citattecken"),  # the run specs' wording
    ('["0114"]', "[0162]", "municipalities", 'YAML läser 0162 utan citattecken som ett oktalt tal'),
    ('["0114"]', '["114"]', "municipalities", "fyra siffror"),
    ('["0114"]', '["01145"]', "municipalities", "fyra siffror"),
    ("2020", '"2020"', "first_treated_year", "heltal"),
    ("2020", "2020.5", "first_treated_year", "heltal"),
    ("2020", "null", "first_treated_year", "note"),
    ("pågående", "klar", "status", "okänd status"),
    ("sources: [\"Kommunens beslut\"]", "sources: []", "sources", "icke-tom lista"),
    ("assumptions: []", "assumptions: [\"bara text\"]", "assumptions", "assumption"),
])
def test_malformed_entry_names_file_entry_and_field(tmp_path, old, new, field, problem):
    assert old in VALID_ENTRY
    path = write(tmp_path, VALID_ENTRY.replace(old, new, 1))
    with pytest.raises(ValueError) as err:
        iv.load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "post 1" in msg and f"fält '{field}'" in msg and problem in msg


def test_duplicate_id(tmp_path):
    path = write(tmp_path, VALID_ENTRY + VALID_ENTRY)
    with pytest.raises(ValueError, match=r"interventions\.yaml: post 2 \(id 'egen'\), fält 'id': .*förekommer redan"):
        iv.load_registry(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(ValueError, match="registerfilen saknas"):
        iv.load_registry(tmp_path / "finns-inte.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("interventions: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.yaml: filen kan inte läsas som YAML"):
        iv.load_registry(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("foo: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lista under nyckeln 'interventions'"):
        iv.load_registry(empty)


def test_registry_year_feeds_a_design():
    """A registry entry drives a design call (the lead wires this to the panel later)."""
    import numpy as np
    import pandas as pd

    # hand-made frame, not real data
    entry = iv.get_intervention("samverkan-haparanda")
    years = list(range(2014, 2024))
    frame = pd.DataFrame({"municipality_id": entry.municipalities[0], "year": years,
                          "value": np.linspace(70, 75, len(years))})
    res = iv.before_after(frame, entry.municipalities[0], entry.require_year())
    assert res.first_treated_year == 2022 and res.post_years == [2022, 2023]
