"""The english_g2 recognizer: strict loading of the released file, greedy CTC decoding, text normalisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from textsr.models.recognizer import CRNN, NUM_CLASS, load_recognizer
from textsr.recognition.ctc import (
    ENGLISH_G2_CHARACTERS, custom_mean, decode_probabilities, greedy_decode, ignore_indices,
)
from textsr.recognition.text import normalize_text, words_match
from textsr.recognition.weights import RECOGNIZER_MD5, install_recognizer_weights, recognizer_weights_source
from textsr.data.weights import ChecksumError

A, B, X, ONE, L = (ENGLISH_G2_CHARACTERS.index(c) + 1 for c in "abx1l")  # class indices (blank = 0)


@pytest.fixture(scope="module")
def g2_path():
    try:
        return recognizer_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


def test_character_set_is_96_distinct_characters_plus_blank():
    assert len(ENGLISH_G2_CHARACTERS) == len(set(ENGLISH_G2_CHARACTERS)) == 96
    assert (A, B, X, ONE, L) == (71, 72, 94, 2, 82)  # 10 digits, 32 symbols, space, euro, A-Z, then a-z from 71
    assert NUM_CLASS == 97


def test_released_file_has_44_tensors_and_loads_strictly(g2_path, torch_one_thread):
    raw = torch.load(g2_path, map_location="cpu", weights_only=True)
    assert len(raw) == 44 and all(k.startswith("module.") for k in raw)
    assert {k[len("module."):] for k in raw} == set(CRNN().state_dict())
    model = load_recognizer(g2_path)
    assert not model.training
    assert torch.equal(model.Prediction.bias, raw["module.Prediction.bias"])
    with torch.no_grad():
        out = model(torch.zeros(2, 1, 64, 128))
    assert out.shape == (2, 128 // 4 - 1, 97)  # T = W/4 - 1 = 31 time steps


def test_a_checkpoint_with_a_missing_key_is_refused_naming_the_file(g2_path, tmp_path):
    state = torch.load(g2_path, map_location="cpu", weights_only=True)
    del state["module.Prediction.bias"]
    bad = tmp_path / "bad.pth"
    torch.save(state, bad)
    with pytest.raises(ValueError, match=r"bad\.pth.*Prediction\.bias"):
        load_recognizer(bad)


def test_installed_copy_matches_the_recorded_md5(g2_path, tmp_path):
    dest = install_recognizer_weights(tmp_path / "w" / "english_g2.pth")
    assert dest.stat().st_size == 15_143_997
    with pytest.raises(ChecksumError, match=RECOGNIZER_MD5):
        install_recognizer_weights(tmp_path / "x.pth", md5="0" * 32)  # the message names the actual md5


def test_greedy_decoding_collapses_repeats_before_removing_blanks():
    # blank a a blank a b b blank -> (collapse) blank a blank a b blank -> (drop blanks) "aab"
    assert greedy_decode(np.array([0, A, A, 0, A, B, B, 0])) == "aab"
    assert greedy_decode(np.array([A, A, A])) == "a"
    assert greedy_decode(np.array([0, 0])) == ""


def _probs(steps: list[dict[int, float]]) -> np.ndarray:
    p = np.zeros((1, len(steps), 97), dtype=np.float32)
    for t, step in enumerate(steps):
        for k, v in step.items():
            p[0, t, k] = v
    return p


def test_decoding_with_an_ignored_character_renormalises_and_takes_the_next_best():
    probs = _probs([{0: 0.1, ONE: 0.6, L: 0.3}, {0: 0.9, A: 0.1}, {0: 0.2, X: 0.8}])
    (text, conf), = decode_probabilities(probs)
    assert text == "1x"
    assert conf == pytest.approx((0.6 * 0.8) ** (2 / math.sqrt(2)), rel=1e-5)  # 0.48 ** 1.4142 = 0.35416
    assert ignore_indices("1") == [ONE]
    (text, conf), = decode_probabilities(probs, ignore_indices("1"))
    assert text == "lx"  # step 0 renormalised: blank 0.1/0.4 = 0.25, 'l' 0.3/0.4 = 0.75
    assert conf == pytest.approx((0.75 * 0.8) ** (2 / math.sqrt(2)), rel=1e-5)  # 0.6 ** 1.4142 = 0.48559


def test_an_all_blank_sequence_reads_empty_with_confidence_zero():
    assert decode_probabilities(_probs([{0: 1.0}, {0: 0.7, A: 0.3}])) == [("", 0.0)]
    assert custom_mean(np.array([0.5])) == pytest.approx(0.25)  # 0.5 ** (2 / sqrt 1)


def test_normalisation_is_tsrn_lower_alphanumeric():
    assert normalize_text("Genaxis Theatre") == "genaxistheatre"
    assert normalize_text("[06]") == "06"
    assert normalize_text("62-03") == "6203"
    assert normalize_text("Café!") == "caf"
    assert words_match("EXIT", "exit.")
    assert not words_match("I2R", "IZR")
