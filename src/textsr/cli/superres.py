"""`textsr superres --weights FILE --scale S --input DIR --output DIR [--arch NAME] [--threads N] [--device D]
[--tile T]`: super-resolve a folder with any registered SR model; prints a JSON summary."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `superres` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("superres", help="super-resolve a folder with any registered SR model",
                       description="Super-resolve a folder with any registered SR model.")
    p.add_argument("--weights", required=True,
                   help="a project model.pt or an official checkpoint of any registered student (RCAN_BIX*.pt, "
                        "RFDN_AIM.pth, A2N, FSRCNN, ...); the architecture is read from its keys and shapes")
    p.add_argument("--scale", type=int, required=True, help="SR factor; must match the checkpoint's")
    p.add_argument("--arch", default=None,
                   help="registry name of the architecture (rcan, rfdn, erfdn, a2n, srnet, fsrcnn), instead of "
                        "recognising it from the keys")
    p.add_argument("--input", required=True, help="folder of LR images")
    p.add_argument("--output", required=True, help="folder for <stem>.png SR images (created)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda", "cuda:1"')
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16 autocast: ~3.5x faster on an AVX-512 CPU, output moves by a few levels")
    p.add_argument("--channels-last", action="store_true",
                   help="NHWC memory format: faster on CPU, a handful of pixels change by one level")
    p.add_argument("--tile", type=int, default=None,
                   help="LR tile side for memory-bounded inference (0 = whole images; default: tiles of 400 px "
                        "for LR images over 400 x 400 px, as RCAN's --chop)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run superres_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.inference.superres import superres_folder

    try:
        summary = superres_folder(args.weights, args.input, args.output, scale=args.scale, arch=args.arch,
                                  threads=args.threads, device=args.device, tile=args.tile,
                                  precision=args.precision, channels_last=args.channels_last)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"superres: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
