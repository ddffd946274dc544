"""`textsr evaluate --protocol P --gt GT_DIR --det DET_DIR [--images IMAGE_DIR] [--json OUT] [--option KEY=VALUE ...]`.

Prints one JSON object (the result without per_image) on stdout; --json writes the full result with the
per-image matches. Exit status 0, or 2 on bad input (message on stderr naming the file and line).
"""

from __future__ import annotations

import argparse
import json
import sys

from textsr.evaluation import PROTOCOLS


def _option(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)  # numbers, true/false, null, "strings"
    except json.JSONDecodeError:
        parsed = value
    return key.strip().replace("-", "_"), parsed


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `evaluate` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("evaluate", help="score detections with an official protocol",
                       description=__doc__.strip().split("\n\n")[1])
    p.add_argument("--protocol", required=True, help="one of: " + ", ".join(PROTOCOLS))
    p.add_argument("--gt", required=True, metavar="GT_DIR", help="folder of native ground-truth files")
    p.add_argument("--det", required=True, metavar="DET_DIR", help="folder of res_<image stem>.txt files")
    p.add_argument("--images", metavar="IMAGE_DIR",
                   help="the test images: every image here without a GT file counts as an image with zero ground truth")
    p.add_argument("--json", metavar="OUT", help="write the full result (with per-image matches) here")
    p.add_argument("--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
                   help="protocol option, e.g. iou_threshold=0.5 or skip_missing_detections=false (repeatable)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the summary JSON; returns the exit status (2 with a message naming the file on bad input)."""
    from textsr.data.gt.base import AnnotationError
    from textsr.evaluation import evaluate, evaluate_to_json, summary

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
