"""`seroi-bot report`: check the inputs, then write the report or print its JSON.

Nothing is written unless every input is valid: the impact map and the observations are
loaded and analysed in memory first. The report is then built in a hidden staging folder
next to its destination and moved into place, so a reader never sees half a report.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from bot.slugs import slugify
from seroi.analysis import Analysis, analyse
from seroi.errors import InputProblemsError
from seroi.impact_map import ImpactMap, load_impact_map
from seroi.observations import Observation, load_observations
from seroi.report import ReportFiles, write_report

DEFAULT_OUT = Path("reports")
EXIT_BAD_INPUT = 2


def run_report(args: argparse.Namespace) -> int:
    """Run the `report` subcommand; 0 on success, 2 on bad input (nothing written)."""
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        print(
            f"seroi-bot report: --out {args.out} is a file; give a folder (nothing was written)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        impact_map, analysis = load_and_analyse(
            Path(args.impact_map), Path(args.observations) if args.observations else None
        )
    except InputProblemsError as error:
        print("seroi-bot report: nothing was written, because:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if args.json:
        print(json.dumps(analysis.to_json(), ensure_ascii=False, indent=2))
    if not args.json or args.out is not None:
        out_root = Path(args.out) if args.out is not None else DEFAULT_OUT
        files = publish_report(analysis, impact_map, out_root, args.lang)
        # With --json, stdout carries only the JSON object.
        log = sys.stderr if args.json else sys.stdout
        print(f"Report written to {files.directory}/", file=log)
        for path in files.all_paths():
            print(f"  {path.name}", file=log)
        for warning in files.warnings:
            print(f"seroi-bot report: warning: {warning}", file=sys.stderr)
    return 0


def load_and_analyse(map_path: Path, observations_path: Path | None) -> tuple[ImpactMap, Analysis]:
    """Load both inputs and analyse them; InputProblemsError lists the problems of both."""
    problems: list[str] = []
    impact_map: ImpactMap | None = None
    observations: list[Observation] | None = None
    try:
        impact_map = load_impact_map(map_path)
    except InputProblemsError as error:
        problems += error.problems
    if observations_path is not None:
        try:
            observations = load_observations(observations_path)
        except InputProblemsError as error:
            problems += error.problems
    if problems:
        raise InputProblemsError(problems)
    assert impact_map is not None
    return impact_map, analyse(impact_map, observations)


def publish_report(
    analysis: Analysis, impact_map: ImpactMap, out_root: Path, lang: str
) -> ReportFiles:
    """Write the report into `out_root/<map folder>/`, replacing an earlier one whole."""
    target = out_root / slugify(impact_map.name, fallback="report")
    out_root.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp) so the published folder gets the usual permissions.
    staging = out_root / f".{target.name}-new-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        staged = write_report(analysis, impact_map, staging, lang)
        previous = None
        if target.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=out_root))
            target.replace(previous / target.name)
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return ReportFiles(
        directory=target,
        pdf=target / staged.pdf.name,
        summary=target / staged.summary.name,
        workbook=target / staged.workbook.name,
        charts={name: target / path.name for name, path in staged.charts.items()},
        warnings=staged.warnings,
    )
