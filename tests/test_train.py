"""train_sr: determinism, kill + resume = uninterrupted run, logs / curve / model file, config checking."""

from __future__ import annotations

import logging
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from textsr.distill import compute_teacher_maps
from textsr.imageio import write_png
from textsr.superres import load_sr_model
from textsr.train import CURVE_COLUMNS, train_sr

TINY_MODEL = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
TINY_TRAIN = {"iterations": 6, "batch_size": 3, "patch_size": 8, "checkpoint_every": 2, "log_every": 2,
              "val_every": 3, "n_val": 1, "device": "cpu"}


class PoolCraft(torch.nn.Module):
    """Stand-in for CRAFT (no weights needed): the stride-4 'relu3_2' feature is a 4x4 average pool."""

    def features(self, x):
        return {"relu3_2": F.avg_pool2d(x, 4)}


@pytest.fixture
def pool_craft(monkeypatch):
    fake = types.ModuleType("textsr.weights")
    fake.load_craft = lambda weights, device="cpu": PoolCraft()
    monkeypatch.setitem(sys.modules, "textsr.weights", fake)


@pytest.fixture
def data(tmp_path):
    """3 HR 48x56 images of 4x4 blocks + area-downscaled x4 LR (12x14); the last stem is the validation image."""
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c"):
        small = rng.integers(0, 256, (12, 14, 3)).astype(np.uint8)
        write_png(tmp_path / "hr" / f"{name}.png", np.kron(small, np.ones((4, 4, 1), np.uint8)))
        write_png(tmp_path / "lr" / f"{name}.png", small)
    return tmp_path


class Killed(Exception):
    pass


def _run(root, name, method="rcan", kill_at=None, **kw):
    def cb(it):
        if it == kill_at:
            raise Killed

    return train_sr(root / "hr", root / "lr", root / name / "model.pt", method=method, scale=4, seed=7,
                    model=TINY_MODEL, train=kw.pop("train", TINY_TRAIN), checkpoint_dir=root / name / "ckpt",
                    curve_file=root / name / "curve.tsv", threads=1, callback=cb, **kw)


def _weights(path):
    return torch.load(path, weights_only=True)["state_dict"]


@pytest.mark.parametrize("method", ["rcan", "rcan_dat"])
def test_kill_and_resume_gives_identical_weights(data, pool_craft, method):
    kw = {}
    if method == "rcan_dat":
        compute_teacher_maps(data / "hr", data / "teacher", weights="w", layers=["relu3_2"], threads=1)
        kw = {"teacher_dir": data / "teacher", "distill": {"w_ad": 100.0, "w_sd": 100.0}}
    full = _run(data, "full", method, **kw)
    with pytest.raises(Killed):
        _run(data, "killed", method, kill_at=5, **kw)  # checkpoint at 4, iteration 5 is lost
    assert not (data / "killed" / "model.pt").exists()
    resumed = _run(data, "killed", method, **kw)
    assert resumed["resumed_from"] == 4 and full["resumed_from"] == 0
    a, b = _weights(data / "full" / "model.pt"), _weights(data / "killed" / "model.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (data / "killed" / "ckpt" / "last.pt").exists()  # removed once the model file is written
    assert (data / "full" / "curve.tsv").read_text() .splitlines()[0].split("\t") == list(CURVE_COLUMNS)
    # the curve rows (iterations 2, 3 (val), 4, 6) are the same; losses are equal, only timings differ
    full_rows = (data / "full" / "curve.tsv").read_text().splitlines()
    assert full_rows == (data / "killed" / "curve.tsv").read_text().splitlines()
    assert [r.split("\t")[0] for r in full_rows[1:]] == ["2", "3", "4", "6"]


def test_same_seed_same_weights_and_model_file_is_loadable(data, caplog):
    with caplog.at_level(logging.INFO, logger="textsr"):
        out = _run(data, "one")
    _run(data, "two")
    a, b = _weights(data / "one" / "model.pt"), _weights(data / "two" / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert out["iterations"] == 6 and out["n_train"] == 2 and out["n_val"] == 1 and np.isfinite(out["val_psnr"])
    assert any("it/s" in r.getMessage() and "iter 6/6" in r.getMessage() for r in caplog.records)
    model, meta = load_sr_model(data / "one" / "model.pt", scale=4)
    assert meta["method"] == "rcan" and meta["n_resgroups"] == 2 and meta["n_feats"] == 8 and meta["seed"] == 7
    rows = [r.split("\t") for r in (data / "one" / "curve.tsv").read_text().splitlines()[1:]]
    assert rows[0][3] == "nan" and rows[1][6] != "nan"  # RCAN has no AD term; val PSNR on iteration 3


def test_rcan_dat_per_batch_teacher_logs_every_term(data, pool_craft, caplog):
    with caplog.at_level(logging.INFO, logger="textsr"):
        _run(data, "dat", "rcan_dat", distill={"craft_weights": "craft.pth"},
             train={**TINY_TRAIN, "iterations": 2, "val_every": 2})
    row = (data / "dat" / "curve.tsv").read_text().splitlines()[1].split("\t")
    total, l_sr, l_ad, l_sd = map(float, row[1:5])
    assert total == pytest.approx(l_sr + 1000 * l_ad + 300 * l_sd, rel=1e-5)  # default weights 1, 1e3, 300
    assert 0 < l_ad < 4 / 64  # <= 4/(h*w) for 8x8 maps
    _, meta = load_sr_model(data / "dat" / "model.pt")
    assert meta["method"] == "rcan_dat" and meta["sa_groups"] == [1]  # default: last residual group


def test_checkpoint_of_other_config_is_not_resumed(data):
    with pytest.raises(Killed):
        _run(data, "x", kill_at=5)  # leaves a checkpoint at iteration 4
    out = _run(data, "x", train={**TINY_TRAIN, "lr": 5e-4})  # default is 1e-3
    assert out["resumed_from"] == 0


def test_unknown_option_is_an_error(data):
    with pytest.raises(ValueError, match="unknown train option"):
        _run(data, "bad", train={"iteration": 5})
