"""The `fgte` command: data build/check/fetch/add, indicators, report.

Messages are in Swedish (the users are Swedish researchers and process groups).
Exit codes: 0 ok, 1 a step failed, 2 bad input (arguments, run specification, raw data).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from . import __version__, paths
from .errors import FgteError, InputError
from .text_sv import ArgumentParserSv


def _err(message: str) -> None:
    print(f"fgte: {message}", file=sys.stderr)


def cmd_data_build(args) -> int:
    from .build import BuildError, build

    try:
        manifest = build(verbose=True)
    except BuildError as exc:
        _err(f"bygget misslyckades; data/processed är orörd.\n{exc}")
        return 2
    print(f"Panelen byggd på {manifest['seconds']} s: {manifest['rows']} rader, {manifest['series']} serier, "
          f"{manifest['municipalities']} kommuner. Innehållshash {manifest['content_hash'][:12]}.")
    for sid, rep in manifest["splices"].items():
        print(f"  {sid}: {rep['pairs_compared']} kommunår jämförda med Kolada, största skillnad "
              f"{rep['max_abs_difference']:.2f}, {rep['filled_from_kolada']} värden kompletterade från Kolada")
    return 0


def _raw_intact(action: str) -> bool:
    """Before a command adds to data/raw: it must match MANIFEST.csv, else one Swedish message (and False)."""
    from .manifest import check_raw

    try:
        report = check_raw(paths.raw_dir())
    except (FileNotFoundError, ValueError) as exc:
        _err(f"{action}: {exc}; inget skrevs.")
        return False
    if not report.ok:
        _err(f"{action}: data/raw stämmer inte med MANIFEST.csv ({'; '.join(report.lines_sv())}); rätta det först "
             "(`fgte data check` visar vad). Inget skrevs.")
        return False
    return True


def cmd_data_check(args) -> int:
    from .manifest import check_raw

    raw = paths.raw_dir()
    try:
        report = check_raw(raw)
    except (FileNotFoundError, ValueError) as exc:
        _err(str(exc))
        return 2
    if report.ok:
        print(f"data/raw är oförändrad: {report.checked} filer stämmer med MANIFEST.csv.")
        return 0
    _err(f"data/raw stämmer inte med MANIFEST.csv ({report.checked} filer i manifestet):")
    for line in report.lines_sv():
        print(f"  {line}", file=sys.stderr)
    return 2


def _untrusted() -> tuple[type[Exception], ...]:
    """Errors that refuse a Kolada answer as untrustworthy (a redirect elsewhere, an absurd value …): exit 2."""
    from .ranges import RangeError
    from .sources.kolada_http import KoladaUntrustedError

    return KoladaUntrustedError, RangeError


def cmd_data_fetch(args) -> int:
    from .build import BuildError
    from .municipalities import resolve_set
    from .sources import kolada_api

    try:
        kpis = [k.strip().upper() for k in args.kpi.split(",") if k.strip()]
        munis = resolve_set(args.municipalities.split(",") if "," in args.municipalities else args.municipalities)
        lo, _, hi = args.years.partition("-")
        years = list(range(int(lo), int(hi or lo) + 1))
    except ValueError as exc:
        _err(f"ogiltiga argument: {exc}")
        return 2
    except BuildError as exc:  # kommunnamn och kommunkoder slås upp i data/processed, som byggs vid behov
        _err(f"kommunerna kan inte slås upp: bygget av data/processed misslyckades.\n{exc}")
        return 2
    try:
        path = kolada_api.fetch(kpis, munis, years, raw_dir=paths.raw_dir(), base_url=args.base_url,
                                max_attempts=args.max_attempts)
    except _untrusted() as exc:  # a redirect elsewhere, an absurd value …: bad input, not a failed step
        _err(f"hämtningen avbröts, inget skrevs: {exc}")
        return 2
    except kolada_api.KoladaUnknownKpiError as exc:  # a wrong --kpi is bad input, as in `data update`
        _err(f"hämtningen avbröts innan något hämtades, inget skrevs: {exc}")
        return 2
    except Exception as exc:  # the client's messages name the failing request
        _err(f"hämtningen misslyckades, inget skrevs: {exc}")
        return 1
    print(f"Skrev {path} och lade till en rad i MANIFEST.csv. Kör `fgte data build` för att använda datan.")
    return 0


def _year_arg(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        year = int(text.strip())
    except ValueError:
        raise InputError(f"{name} {text!r} är inget år (skriv t.ex. {name} 2023)") from None
    if not 1990 <= year <= date.today().year + 1:
        raise InputError(f"{name} {year} ligger utanför 1990–{date.today().year + 1}")
    return year


def cmd_data_update(args) -> int:
    """Fetch the newest Kolada values of every catalogued series, write them as a dated raw file, rebuild."""
    from .build import BuildError, build
    from .sources import kolada_api, kolada_update

    try:
        since, until = _year_arg(args.since, "--since"), _year_arg(args.until, "--until")
        if since is not None and until is not None and since > until:
            raise InputError(f"--since {since} ligger efter --until {until}")
    except ValueError as exc:
        _err(f"ogiltigt argument: {exc}")
        return 2
    if not _raw_intact("uppdateringen avbröts innan något hämtades"):
        return 2
    try:
        result = kolada_update.update(paths.raw_dir(), since=since, until=until, base_url=args.base_url,
                                      progress=not args.quiet, max_attempts=args.max_attempts)
    except kolada_api.KoladaUnknownKpiError as exc:
        _err(f"uppdateringen avbröts innan något hämtades, inget skrevs: {exc}")
        return 2
    except _untrusted() as exc:
        _err(f"uppdateringen avbröts, inget skrevs: {exc}")
        return 2
    except kolada_api.KoladaHTTPError as exc:
        if exc.status is None:  # no answer at all: offline, DNS, firewall, or a silent server
            reason = exc.reason.rstrip(".")
            _err(f"Kolada ({args.base_url}) kan inte nås: {reason}. Kontrollera internetanslutningen och kör "
                 "`fgte data update` igen (eller kör kommandot på en dator med internet och kopiera "
                 "data/raw/kolada_api/ och data/raw/MANIFEST.csv hit). Inget skrevs.")
        else:
            _err(f"uppdateringen misslyckades, inget skrevs: {exc} Försök igen senare.")
        return 1
    except (kolada_api.KoladaError, FileExistsError, FileNotFoundError, ValueError) as exc:
        _err(f"uppdateringen misslyckades, inget skrevs: {exc}")
        return 1
    if not result.asked:
        print("Alla serier har redan värden till och med innevarande år; inget att hämta.")
        return 0
    if not args.quiet:
        for line in result.lines_sv():
            print(f"  {line}")
    if result.path is None:
        print(f"Kolada hade inga nya värden för de {len(result.asked)} serierna; inget skrevs.")
        return 0
    print(f"Skrev {result.path} ({sum(result.values.values())} värden, {len(result.values)} av "
          f"{len(result.asked)} serier, {result.requests} anrop, {result.seconds} s) och en rad i MANIFEST.csv.")
    if result.empty:
        print(f"Utan nya värden: {', '.join(result.empty)}.")
    if args.no_build:
        print("Kör `fgte data build` för att använda datan.")
        return 0
    try:
        manifest = build()
    except BuildError as exc:
        _err(f"datan hämtades och sparades, men bygget misslyckades; data/processed är orörd.\n{exc}")
        return 1
    print(f"data/processed byggd på nytt ({manifest['rows']} rader); rapporterna använder de nya värdena.")
    return 0


#: Defaults of `fgte data add` per kind of file: (folder in data/raw, source, licence note).
_ADD_KINDS = {
    "skolverket": ("skolverket", "Skolverket, Sök statistik (nedladdad för hand)",
                   "offentlig statistik från Skolverket"),
    "kolada_scrape": ("kolada_scrape", "Kolada-skrapning (rKolada get_values)", "Kolada (RKA) öppna data"),
}


def cmd_data_add(args) -> int:
    """Register a hand-downloaded file in data/raw with a manifest row: a Skolverket export, or a scrape of
    Kolada's values (.parquet in rKolada's shape, named <YYYY-MM-DD>_….parquet by the day it was made)."""
    from .manifest import ManifestRow, append_rows, sha256_of
    from .sources import kolada_scrape, skolverket

    src = Path(args.file)
    if not src.is_file():
        _err(f"{src}: filen finns inte")
        return 2
    if not _raw_intact(f"{src} lades inte till"):
        return 2
    kind = "kolada_scrape" if src.suffix.lower() == ".parquet" else "skolverket"
    try:  # refuse what the reader cannot read, before anything is copied
        if kind == "kolada_scrape":
            kolada_scrape.read_scrape(src)
        else:
            skolverket.read_export(src)
    except (ValueError, FileNotFoundError) as exc:
        what = "en Kolada-skrapning" if kind == "kolada_scrape" else "en Skolverket-export"
        _err(f"{src}: kan inte läsas som {what}: {str(exc).removeprefix(f'{src}: ')}")
        return 2
    folder, source, licence = _ADD_KINDS[kind]
    rel = f"{folder}/{src.name}"
    dest = paths.raw_dir() / rel
    if dest.exists():
        _err(f"{dest}: finns redan; rådata skrivs aldrig över (byt namn på den nya filen)")
        return 2
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    row = ManifestRow(rel, sha256_of(tmp), tmp.stat().st_size, args.source or source,
                      args.commit or date.today().isoformat(), args.licence or licence)
    try:
        append_rows(paths.raw_dir() / "MANIFEST.csv", [row])
    except ValueError as exc:
        tmp.unlink()
        _err(str(exc))
        return 2
    tmp.rename(dest)
    print(f"Lade till {rel} i data/raw och MANIFEST.csv. Kör `fgte data build`.")
    return 0


def cmd_indicators(args) -> int:
    from .catalogue import INDICATORS, SERIES

    for ind in INDICATORS:
        print(f"{ind.number:>2}. {ind.title_sv}  [{ind.id}; {ind.stage}; {ind.unit}]")
        if not ind.available:
            print(f"      saknas: {ind.missing_reason}")
            continue
        for sid in ind.headline:
            s = SERIES[sid]
            print(f"      serie {sid}: {s.title_sv} ({s.population})")
        if ind.alternatives and args.verbose:
            print(f"      alternativ: {', '.join(ind.alternatives)}")
        if args.verbose:
            for c in ind.caveats:
                print(f"      OBS: {c}")
    return 0


def cmd_report(args) -> int:
    from .publish.runner import report_from_args

    return report_from_args(args)


def cmd_summary(args) -> int:
    """Short panel summary (what `make reports` printed before reports existed; still handy)."""
    from .build import BuildError, ensure_built
    from .panel import load_panel

    t0 = time.perf_counter()
    try:
        ensure_built(verbose=True)
    except BuildError as exc:
        _err(f"data/processed kan inte byggas (kör `fgte data check`): {exc.one_line()}")
        return 2
    panel = load_panel()
    ok = panel[panel["status"] == "ok"]
    print(f"Panel: {len(panel)} rader ({len(ok)} med värde), {panel['series'].nunique()} serier, "
          f"år {panel['year'].min()}–{panel['year'].max()}, laddad på {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_results_clean(args) -> int:
    """Remove the results store's folders of other data, code, registry or library versions."""
    from . import store
    from .build import BuildError

    try:
        removed = store.clean()
    except BuildError as exc:
        _err(f"resultatlagrets version kan inte avgöras: data/processed kan inte byggas ({exc.one_line()})")
        return 2
    except OSError as exc:
        _err(f"resultatlagret kunde inte rensas ({exc.strerror or exc}); den aktuella versionen är orörd.")
        return 1
    if not removed:
        print("Inget att ta bort: resultatlagret har bara den aktuella versionen.")
        return 0
    size = sum(n for _, n in removed) / 2**20
    print(f"Tog bort {len(removed)} gamla versioner av resultatlagret ({size:.1f} MB): "
          f"{', '.join(name for name, _ in removed)}. Den aktuella versionen ({store.version()}) är kvar.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .catalogue import INDICATORS
    from .publish.runner import REPORT_DESCRIPTION, REPORT_HELP, add_report_arguments

    parser = ArgumentParserSv(prog="fgte", description="FGTE-forskningsverkstaden")
    parser.add_argument("--version", action="version", version=f"fgte {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    data = sub.add_parser("data", help="bygg, kontrollera och hämta data").add_subparsers(dest="data_cmd",
                                                                                             required=True,
                                                                                             metavar="KOMMANDO")
    data.add_parser("build", help="bygg data/processed från data/raw").set_defaults(func=cmd_data_build)
    data.add_parser("check", help="kontrollera data/raw mot MANIFEST.csv").set_defaults(func=cmd_data_check)
    data.add_parser("summary", help="kort sammanfattning av panelen").set_defaults(func=cmd_summary)
    fetch = data.add_parser("fetch", help="hämta nyckeltal från Koladas API v3 till en ny daterad fil")
    fetch.add_argument("--kpi", required=True, help="nyckeltal, kommaseparerade (t.ex. N15505,N15419)")
    fetch.add_argument("--municipalities", default="all", help="kommunkoder, namngiven mängd (fgte) eller all")
    fetch.add_argument("--years", required=True, help="år eller intervall, t.ex. 2023-2024")
    fetch.add_argument("--base-url", default="https://api.kolada.se/v3")
    fetch.add_argument("--max-attempts", type=int, default=5, help="försök per anrop vid 429/5xx (standard 5)")
    fetch.set_defaults(func=cmd_data_fetch)
    upd = data.add_parser("update", help="hämta de senaste Kolada-värdena för alla serier verkstaden använder")
    upd.add_argument("--since", help="första år att hämta för alla serier (standard: året efter det senaste "
                                     "som finns i data/raw, per serie)")
    upd.add_argument("--until", help="sista år att hämta (standard: innevarande år)")
    upd.add_argument("-q", "--quiet", action="store_true", help="ingen förloppsindikator och ingen rad per serie")
    upd.add_argument("--no-build", action="store_true", help="bygg inte om data/processed efteråt")
    upd.add_argument("--base-url", default="https://api.kolada.se/v3")
    upd.add_argument("--max-attempts", type=int, default=5, help="försök per anrop vid 429/5xx (standard 5)")
    upd.set_defaults(func=cmd_data_update)
    add = data.add_parser("add", help="registrera en nedladdad Skolverket-export eller Kolada-skrapning (.parquet) "
                                      "i data/raw")
    add.add_argument("file")
    add.add_argument("--source", help="källa i MANIFEST.csv (standard efter filens slag)")
    add.add_argument("--licence", help="licensnotis i MANIFEST.csv (standard efter filens slag)")
    add.add_argument("--commit", help="källans version, t.ex. en git-commit (standard: dagens datum)")
    add.set_defaults(func=cmd_data_add)

    ind = sub.add_parser("indicators", help=f"lista de {len(INDICATORS)} indikatorerna och deras serier")
    ind.add_argument("-v", "--verbose", action="store_true")
    ind.set_defaults(func=cmd_indicators)
    res = sub.add_parser("results", help="resultatlagret (data/processed/results)").add_subparsers(
        dest="results_cmd", required=True, metavar="KOMMANDO")
    res.add_parser("clean", help="ta bort resultatlagrets gamla versioner").set_defaults(func=cmd_results_clean)
    report = sub.add_parser("report", help=REPORT_HELP, description=REPORT_DESCRIPTION)
    add_report_arguments(report).set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # every write of these commands is atomic: what was written is whole
        _err("avbrutet (Ctrl-C); inget halvfärdigt skrevs.")
        return 130
    except FgteError as exc:  # the project's own errors say what is wrong in one Swedish line; bugs still show
        _err(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return 2


if __name__ == "__main__":
    sys.exit(main())
