"""`english_g2.pth`: its catalogue entry and installation live in `textsr.data.weights` (the one catalogue of
checkpoints); re-exported here for `textsr.recognition`'s importers."""

from textsr.data.weights import (  # noqa: F401
    RECOGNIZER_FILENAME,
    RECOGNIZER_MD5,
    ensure_recognizer_weights,
    install_recognizer_weights,
    recognizer_weights_source,
)
