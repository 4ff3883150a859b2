"""Maintainers' one-off: copy the raw files the workbench uses from ../shared/data into data/raw.

Copies byte-identically and writes data/raw/MANIFEST.csv (path, sha256, bytes, source repository,
commit, licence note). Run again only when the shipped selection changes; CI and users never run it
(they have no ../shared). Usage: python tools/import_shared.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fgte_research.catalogue import all_kolada_kpis  # noqa: E402
from fgte_research.manifest import write_manifest, ManifestRow, sha256_of  # noqa: E402

KOLADA_REPO = ("open-numbers/ddf--kolada--dump", "57f4d84df127c67a9ecb94a428f062e66191036d",
               "no licence stated in the repository; values are Kolada (RKA) open data")
META_REPO = ("LCHansson/rKolada", "d52938874f9a9e0b6f4dd44f36fa5edb8cd69fa3",
             "package AGPL-3; data are Kolada API v3 responses (Kolada open data), converted from R/sysdata.rda to CSV")
SKV_REPO = ("MMO85/skolverket_examen", "46f7900d3aff278a0714a7bb0cbfc526de06292a",
            "no licence file; unmodified Skolverket exports (public official statistics)")
BAUM_REPO = ("DrBaumgardt/skolresultat", "82a99d60d961d0fdf3385874c3e09c724fbf6eb3",
             "no licence file; Skolverket school-level statistics")
MEY_REPO = ("meysamaghighi/skolverket-data-extractor", "e37c7d514e3fb9969dc98f81cdc21d41e84a3dd0",
            "no licence file; unmodified Skolverket export")


def main(shared: Path) -> None:
    raw = ROOT / "data" / "raw"
    plan: list[tuple[Path, str, tuple[str, str, str]]] = []
    dump = shared / "kolada_ddf_dump"
    for kpi in sorted(all_kolada_kpis()):
        k = kpi.lower()
        for sub, suffix in (("datapoints--by--geo--year", "geo--year"),
                            ("datapoints--by--geo--gender--year", "geo--gender--year")):
            src = dump / sub / f"ddf--datapoints--{k}--by--{suffix}.csv"
            if src.exists():
                plan.append((src, f"kolada/{sub}/{src.name}", KOLADA_REPO))
            elif sub == "datapoints--by--geo--year":
                raise SystemExit(f"KPI {kpi} is catalogued but has no file in {dump}")
    for name in ("ddf--concepts.csv", "ddf--entities--geo--kommun.csv", "ddf--entities--geo--region.csv"):
        plan.append((dump / name, f"kolada/{name}", KOLADA_REPO))
    meta = shared / "kolada_rkolada_meta"
    for name in ("kolada_kpi_catalogue.csv", "kolada_municipalities.csv", "kolada_municipality_groups_long.csv",
                 "example_values_n00945.csv"):
        plan.append((meta / name, f"kolada_meta/{name}", META_REPO))
    for src in sorted((shared / "skolverket_mmo85" / "raw_data").iterdir()):
        if src.suffix in (".csv", ".xlsx"):
            plan.append((src, f"skolverket/{src.name}", SKV_REPO))
    plan.append((shared / "school_level" / "drbaumgardt_m17_xx.json", "school_level/drbaumgardt_m17_xx.json", BAUM_REPO))
    plan.append((shared / "school_level" / "skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv",
                 "school_level/skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv", MEY_REPO))

    rows = []
    for src, rel, (repo, commit, licence) in plan:
        dest = raw / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        rows.append(ManifestRow(path=rel, sha256=sha256_of(dest), bytes=dest.stat().st_size,
                                source_repository=repo, commit=commit, licence_note=licence))
    write_manifest(raw / "MANIFEST.csv", rows)
    total = sum(r.bytes for r in rows)
    print(f"{len(rows)} files, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
