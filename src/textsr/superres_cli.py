"""`python -m textsr superres --weights FILE --scale S --input DIR --output DIR [--threads N] [--device D] [--tile T]`."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the superres options to a (sub)parser."""
    parser.add_argument("--weights", required=True,
                        help="RCAN / RCAN_dat checkpoint: official RCAN_BIX*.pt (bare state_dict) or a project "
                             "model.pt; the architecture is read from its keys and shapes")
    parser.add_argument("--scale", type=int, required=True, help="SR factor; must match the checkpoint's")
    parser.add_argument("--input", required=True, help="folder of LR images")
    parser.add_argument("--output", required=True, help="folder for <stem>.png SR images (created)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda", "cuda:1"')
    parser.add_argument("--tile", type=int, default=0,
                        help="LR tile side for memory-bounded inference (0 = whole image, as RCAN without --chop)")


def run(args: argparse.Namespace) -> int:
    """Run superres_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.superres import superres_folder

    try:
        summary = superres_folder(args.weights, args.input, args.output, scale=args.scale, threads=args.threads,
                                  device=args.device, tile=args.tile)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"superres: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textsr superres", description="Super-resolve a folder with RCAN(_dat).")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
