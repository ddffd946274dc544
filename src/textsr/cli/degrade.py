"""`textsr degrade --input DIR --output DIR --scale S [--up]`: MATLAB-compatible bicubic down- (or up-) scaling."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `degrade` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("degrade", help="MATLAB-compatible bicubic downscaling (or --up: upscaling)",
                       description="MATLAB imresize-compatible bicubic: HR -> LR (modcrop first), or --up LR -> HR.")
    p.add_argument("--input", required=True, help="folder of images")
    p.add_argument("--output", required=True, help="folder for <stem>.png (created)")
    p.add_argument("--scale", type=int, required=True, help="integer factor")
    p.add_argument("--up", action="store_true", help="upscale instead (the bicubic SR baseline)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Degrade (or upscale) every image of --input; returns the exit status (0)."""
    from textsr.degrade import degrade_folder, upscale_folder

    (upscale_folder if args.up else degrade_folder)(args.input, args.output, args.scale)
    return 0
