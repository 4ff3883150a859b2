"""data/raw/MANIFEST.csv: the list of raw files with their checksums and origin.

Raw data is immutable: code never changes a listed file. `fgte data check` compares the
folder with the manifest; `fgte data fetch` adds new, dated files together with their rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .atomic import write_text_atomic
from .errors import InputError

MANIFEST_NAME = "MANIFEST.csv"
#: Files in data/raw that are documentation, not data, and need no manifest row.
UNLISTED_OK = {MANIFEST_NAME, "PROVENANCE.md", ".gitkeep"}


@dataclass(frozen=True)
class ManifestRow:
    path: str
    sha256: str
    bytes: int
    source_repository: str
    commit: str
    licence_note: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(path: Path) -> list[ManifestRow]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: manifestet saknas")
    names = [f.name for f in fields(ManifestRow)]
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != names:
            raise InputError(f"{path}: fel kolumner {reader.fieldnames}, väntade {names}")
        return [ManifestRow(**{**r, "bytes": int(r["bytes"])}) for r in reader]


def render_manifest(rows: list[ManifestRow]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[f.name for f in fields(ManifestRow)], lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r.path):
        writer.writerow(asdict(row))
    return buf.getvalue()


def write_manifest(path: Path, rows: list[ManifestRow]) -> None:
    write_text_atomic(path, render_manifest(rows))


def append_rows(path: Path, new_rows: list[ManifestRow]) -> None:
    """Add rows for new files; refuses to re-list a path (raw files are never replaced)."""
    rows = read_manifest(path)
    known = {r.path for r in rows}
    clash = [r.path for r in new_rows if r.path in known]
    if clash:
        raise InputError(f"{path}: filerna finns redan i manifestet och får inte skrivas över: {clash}")
    write_manifest(path, rows + list(new_rows))


@dataclass
class CheckReport:
    checked: int
    missing: list[str]
    changed: list[str]
    unlisted: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.unlisted)

    def lines_sv(self) -> list[str]:
        out = [f"saknas: {p}" for p in self.missing]
        out += [f"ändrad (kontrollsumman stämmer inte): {p}" for p in self.changed]
        out += [f"finns inte i MANIFEST.csv: {p}" for p in self.unlisted]
        return out


def check_raw(raw_dir: Path) -> CheckReport:
    """Compare every file below ``raw_dir`` with the manifest (size first, then sha256)."""
    rows = read_manifest(raw_dir / MANIFEST_NAME)
    missing, changed = [], []
    for row in rows:
        p = raw_dir / row.path
        if not p.is_file():
            missing.append(row.path)
        elif p.stat().st_size != row.bytes or sha256_of(p) != row.sha256:
            changed.append(row.path)
    listed = {r.path for r in rows}
    unlisted = sorted(
        str(p.relative_to(raw_dir)) for p in raw_dir.rglob("*")
        if p.is_file() and p.name not in UNLISTED_OK and str(p.relative_to(raw_dir)) not in listed
        and not p.name.startswith(".")
    )
    return CheckReport(checked=len(rows), missing=missing, changed=changed, unlisted=unlisted)
