"""``python -m textsr evaluate``: argument parsing and the command body (wired into textsr.cli by the lead).

    python -m textsr evaluate --protocol icdar2015 --gt GT_DIR --det DET_DIR [--images IMAGE_DIR] [--json OUT]
                              [--option KEY=VALUE ...]

Prints one JSON object (the result without per_image) on stdout; --json writes the full result with the
per-image matches. Exit status 0, or 2 on bad input (message on stderr naming the file and line).
"""

from __future__ import annotations

import argparse
import json
import sys

from textsr.data.gt.base import AnnotationError
from textsr.evaluation import PROTOCOLS, evaluate, evaluate_to_json, summary


def _option(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)  # numbers, true/false, null, "strings"
    except json.JSONDecodeError:
        parsed = value
    return key.strip().replace("-", "_"), parsed


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the evaluate subcommand's arguments to `parser`."""
    parser.add_argument("--protocol", required=True, help="one of: " + ", ".join(PROTOCOLS))
    parser.add_argument("--gt", required=True, metavar="GT_DIR", help="folder of native ground-truth files")
    parser.add_argument("--det", required=True, metavar="DET_DIR", help="folder of res_<image stem>.txt files")
    parser.add_argument(
        "--images", metavar="IMAGE_DIR",
        help="the test images: every image here without a GT file counts as an image with zero ground truth",
    )
    parser.add_argument("--json", metavar="OUT", help="write the full result (with per-image matches) here")
    parser.add_argument(
        "--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
        help="protocol option, e.g. iou_threshold=0.5 or skip_missing_detections=false (repeatable)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the summary JSON; returns the exit status."""
    options = dict(args.option or [])
    try:
        if args.json:
            result = evaluate_to_json(args.protocol, args.gt, args.det, args.json, images=args.images, **options)
        else:
            result = evaluate(args.protocol, args.gt, args.det, images=args.images, **options)
    except (AnnotationError, FileNotFoundError, ValueError, TypeError) as exc:
        print(f"evaluate: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary(result), sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m textsr.evaluation.cli``), for use before the lead wires the subcommand."""
    parser = add_arguments(argparse.ArgumentParser(prog="textsr evaluate", description=__doc__.split("\n")[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
