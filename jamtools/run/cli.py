"""Command line: ``python -m jamtools init|check|run|synth|scan|kernel``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _cmd_run(args) -> int:
    from jamtools.run.config import load_config
    from jamtools.run.params import ParameterError
    from jamtools.run.runner import NOTEBOOK_DIR, RunError, run

    try:
        config = load_config(args.config)
        only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
        return run(config, args.out, only=only, jobs=args.jobs, build=not args.no_book,
                   notebook_dir=Path(args.notebooks) if args.notebooks else NOTEBOOK_DIR,
                   cache=not args.no_cache)
    except (ParameterError, RunError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2


def _cmd_check(args) -> int:
    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config
    from jamtools.run.params import ParameterError

    try:
        config = load_config(args.config)
    except ParameterError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    report = check_inputs(config)
    print(report.text())
    out = Path(args.out) if args.out else (config.source.parent if config.source else Path("runs/latest"))
    out.mkdir(parents=True, exist_ok=True)
    path = report.write(out / "check.json")
    print(f"Kontrollen finns också i {path}")
    return 1 if not report.runnable else 0


def _cmd_init(args) -> int:
    from jamtools.run.scaffold import init

    try:
        written = init(args.dir)
    except FileExistsError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    print(f"Skrev {written[0]} och {len(written) - 1} tomma mallar i {written[0].parent / 'mallar'}.")
    print("Nästa steg: fyll i jamtools.yml (tabeller, filer, kolumner), sedan")
    print(f"  python -m jamtools check --config {written[0]}")
    return 0


def _cmd_synth(args) -> int:
    from jamtools.data.synth import generate

    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None
    try:
        planted = generate(args.out, seed=args.seed, scale=args.scale, fmt=args.format, tables=tables)
    except ValueError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    print(f"Syntetiska data (frö {args.seed}, skala {args.scale}) i {args.out}; "
          f"planterade effekter för {len(planted['questions'])} frågor i planted.json")
    return 0


def _cmd_scan(args) -> int:
    from jamtools.run import scan

    argv = [args.dir] + (["--threshold", str(args.threshold)] if args.threshold else [])
    return scan.main(argv)


def _cmd_kernel(args) -> int:
    from jamtools.run.runner import ensure_kernel

    print(f"Kernel '{ensure_kernel()}' kör {sys.executable}")
    return 0


def _cmd_model_doc(args) -> int:
    from jamtools.run.model_doc import render

    sys.stdout.write(render())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from jamtools.run.machine import usable_cores

    parser = argparse.ArgumentParser(prog="python -m jamtools",
                                     description="Jämställdhetsanalys i socialtjänsten: kör handboken.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="kör alla notebooks med papermill och bygg boken")
    p.add_argument("--config", help="jamtools.yml (utan den: de syntetiska data)")
    p.add_argument("--out", default="runs/latest", help="utkatalog (standard runs/latest)")
    p.add_argument("--only", help="kommaseparerade kapitel-id att köra: hela id:t eller dess början, till exempel um_01,ht_02")
    p.add_argument("--jobs", type=int, default=min(2, usable_cores()),
                   help="antal notebooks som körs samtidigt")
    p.add_argument("--no-book", action="store_true", help="kör notebooks men bygg inte boken")
    p.add_argument("--no-cache", action="store_true",
                   help="kör om allt, också det som inte ändrats sedan förra körningen i --out")
    p.add_argument("--notebooks", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("check", help="kontrollera alla tabeller på en gång och se vilka kapitel som kan köras")
    p.add_argument("--config", help="jamtools.yml (utan den: de syntetiska data)")
    p.add_argument("--out", help="katalog för check.json (standard: konfigurationsfilens katalog; "
                                 "utan konfiguration runs/latest)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("init", help="skriv en jamtools.yml att fylla i och tomma mallar per tabell")
    p.add_argument("dir", help="katalogen att skriva i")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("synth", help="skapa syntetiska data med planterade effekter")
    p.add_argument("--seed", type=int, default=20261124, help="fröet; samma frö ger identiska filer")
    p.add_argument("--scale", type=float, default=1.0,
                   help="1 ger demodata (cirka 30 000 rader); antalet rader växer i proportion")
    p.add_argument("--format", choices=("auto", "csv", "parquet"), default="auto",
                   help="filformat; auto = CSV upp till skala 10, annars Parquet")
    p.add_argument("--tables", help="bara de områden som skriver dessa tabeller (kommaseparerade), "
                                    "t.ex. ru_ansokningar för tio miljoner ansökningar utan resten")
    p.add_argument("--out", default="data/synthetic")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("scan", help="sök efter personuppgifter och små tal i en körnings utdata")
    p.add_argument("dir")
    p.add_argument("--threshold", type=int)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("model-doc", help="skriv datamodellens kapitel (Markdown) till stdout")
    p.set_defaults(func=_cmd_model_doc)

    p = sub.add_parser("toc", help="skriv om bokens frågedelar i _toc.yml från kapitelkatalogen")
    p.set_defaults(func=_cmd_toc)

    p = sub.add_parser("kernel", help="installera kerneln 'jamtools' för den här Python-miljön")
    p.set_defaults(func=_cmd_kernel)
    return parser


def _cmd_toc(args) -> int:
    from jamtools.run.catalogue import write_toc
    from jamtools.run.config import ROOT

    changed = write_toc(ROOT / "_toc.yml")
    print("_toc.yml skrevs om från katalogen." if changed else "_toc.yml stämmer redan med katalogen.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def console_main(argv: list[str] | None = None) -> int:
    """:func:`main` as ``python -m jamtools`` runs it: output piped to a reader that stops
    early (``python -m jamtools check | head``) ends the command quietly, with no traceback
    (the reader has what it asked for)."""
    import os

    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the rest of the output goes nowhere, so that Python's own flush at exit does not fail
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
