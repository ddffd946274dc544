"""Word recognition with pretrained recognizers (scoring only, never trained here): PP-OCRv6 small (default) and
EasyOCR's english_g2, chosen by name (`recognizers`).

    from textsr.recognition import recognize_testset, recognize_word_images, recognize_folder

Modules: `recognizers` (the registry: name -> checkpoint, installation, reader, colour or grey crops), `ppocr`
(`PPOCRReader`, PP-OCRv6 small on onnxruntime as rapidocr), `weights` (english_g2.pth source, md5, installation),
`preprocess` (EasyOCR's grey / height-64 / padding input), `ctc` (character set, greedy decoding, confidence),
`crops` (region -> rectified crop), `reader` (`WordReader`, english_g2), `text` (`Reading`, TextZoom/TSRN
normalisation, `char_accuracy`), `measure` (what the pipeline and the CLI call).
The model itself is `textsr.models.recognizer.CRNN`. Names below are imported on first use, so that
`python -m textsr` (which imports `textsr.cli.recognize`) does not load torch to print its help.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "recognize_testset": "measure", "recognize_word_images": "measure", "recognize_folder": "measure",
    "Reading": "text", "WordReader": "reader", "normalize_text": "text", "words_match": "text",
    "char_accuracy": "text", "RECOGNIZERS": "recognizers", "DEFAULT_RECOGNIZER": "recognizers",
    "get_recognizer": "recognizers", "install_weights": "recognizers",
    "RECOGNIZER_FILENAME": "weights", "RECOGNIZER_MD5": "weights", "install_recognizer_weights": "weights",
    "recognizer_weights_source": "weights",
}
__all__ = [  # noqa: RUF022 (grouped by module as above)
    "recognize_testset", "recognize_word_images", "recognize_folder", "Reading", "WordReader", "normalize_text",
    "words_match", "char_accuracy", "RECOGNIZERS", "DEFAULT_RECOGNIZER", "get_recognizer", "install_weights",
    "RECOGNIZER_FILENAME", "RECOGNIZER_MD5", "install_recognizer_weights", "recognizer_weights_source",
]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
