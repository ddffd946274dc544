"""`python -m textsr superres --weights FILE --scale S --input DIR --output DIR [--arch NAME] [--threads N] [--device D]
[--tile T]`."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the superres options to a (sub)parser."""
    parser.add_argument("--weights", required=True,
                        help="a project model.pt or an official checkpoint of any registered student (RCAN_BIX*.pt, "
                             "RFDN_AIM.pth, A2N, FSRCNN, ...); the architecture is read from its keys and shapes")
    parser.add_argument("--scale", type=int, required=True, help="SR factor; must match the checkpoint's")
    parser.add_argument("--arch", default=None,
                        help="registry name of the architecture (rcan, rfdn, erfdn, a2n, srnet, fsrcnn), instead of "
                             "recognising it from the keys")
    parser.add_argument("--input", required=True, help="folder of LR images")
    parser.add_argument("--output", required=True, help="folder for <stem>.png SR images (created)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda", "cuda:1"')
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="bf16 autocast: ~3.5x faster on an AVX-512 CPU, output moves by a few levels")
    parser.add_argument("--channels-last", action="store_true",
                        help="NHWC memory format: faster on CPU, a handful of pixels change by one level")
    parser.add_argument("--tile", type=int, default=None,
                        help="LR tile side for memory-bounded inference (0 = whole images; default: tiles of 400 px "
                             "for LR images over 400 x 400 px, as RCAN's --chop)")


def run(args: argparse.Namespace) -> int:
    """Run superres_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.superres import superres_folder

    try:
        summary = superres_folder(args.weights, args.input, args.output, scale=args.scale, arch=args.arch,
                                  threads=args.threads, device=args.device, tile=args.tile,
                                  precision=args.precision, channels_last=args.channels_last)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"superres: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textsr superres", description="Super-resolve a folder with any registered SR model.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
