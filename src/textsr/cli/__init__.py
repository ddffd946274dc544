"""`textsr VERB ...` (or `python -m textsr VERB ...`): the library's user commands; the pipeline calls the same
library functions.

    detect    --input IMAGE_DIR --output DIR [--poly] [--refine]  CRAFT boxes -> res_<stem>.txt
    superres  --weights FILE --scale S --input DIR --output DIR   RCAN / RCAN_dat / student super-resolution
    degrade   --input DIR --output DIR --scale S [--up]           MATLAB-compatible bicubic down/up-scaling
    evaluate  --protocol P --gt GT_DIR --det DET_DIR [--json F]   official-protocol precision / recall / hmean
    recognize --input DIR --output FILE.tsv                       read word crops with EasyOCR's english_g2

`textsr VERB --help` for each verb's options.
"""

from __future__ import annotations

import argparse
import logging
import sys

from textsr.cli import degrade, detect, evaluate, recognize, superres

#: one module per verb, in the order of the help; each has add_parser(sub) and run(args) -> exit status
VERBS = (detect, superres, degrade, evaluate, recognize)


def build_parser() -> argparse.ArgumentParser:
    """The `textsr` parser: -v/--verbose, then one sub-command per module of VERBS (args.run is its run)."""
    parser = argparse.ArgumentParser(prog="textsr", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging; tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="VERB")
    for verb in VERBS:
        verb.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]), run the verb; returns the exit status (2: a user error, one line)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:  # user errors: one clear line, no traceback
        if args.verbose:
            raise
        print(f"{args.command}: error: {exc}", file=sys.stderr)
        return 2
