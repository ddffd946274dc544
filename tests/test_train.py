"""train_sr: determinism, kill + resume = uninterrupted run, logs / curve / model file, early stopping, controls,
config checking."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from textsr.distill import compute_teacher_maps
from textsr.util.imageio import write_png
from textsr.inference.superres import load_sr_model
from textsr.train import curve_columns, resolve_method, train_sr

TINY_MODEL = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
TINY_TRAIN = {"iterations": 6, "batch_size": 3, "patch_size": 8, "checkpoint_every": 2, "log_every": 2,
              "val_every": 3, "n_val": 1, "device": "cpu"}




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


#: the default config's three arms on the tiny model: plain, gates only (the control), gates + distillation
ARMS = {"rcan": {}, "rcan_sa": {"attention": {"places": ["group1"]}},
        "rcan_dat": {"attention": {"places": ["group1"]}, "distill": {}}}


def _run(root, name, method="rcan", kill_at=None, **kw):
    def cb(it):
        if it == kill_at:
            raise Killed

    arm = {k: dict(v) for k, v in ARMS[method].items()}
    if "distill" in kw:
        arm["distill"] = {**arm.get("distill", {}), **kw.pop("distill")}
    return train_sr(root / "hr", root / "lr", root / name / "model.pt", arch="rcan", scale=4, seed=7,
                    model=TINY_MODEL, train=kw.pop("train", TINY_TRAIN), checkpoint_dir=root / name / "ckpt",
                    curve_file=root / name / "curve.tsv", threads=1, callback=cb, method=method, **arm, **kw)


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
    terms = ["loss_total", "loss_sr"] + (["loss_ad", "loss_sd"] if method == "rcan_dat" else [])
    assert (data / "full" / "curve.tsv").read_text().splitlines()[0].split("\t") == curve_columns(terms)
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
    assert meta["arch"] == "rcan" and meta["method"] == "rcan" and meta["seed"] == 7
    assert meta["model"]["n_resgroups"] == 2 and meta["model"]["n_feats"] == 8 and meta["attention"] is None
    lines = (data / "one" / "curve.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["iteration", "loss_total", "loss_sr", "lr", "val_psnr"]  # RCAN: no AD/SD terms
    rows = [r.split("\t") for r in lines[1:]]
    assert rows[0][4] == "nan" and rows[1][4] != "nan"  # val PSNR on iteration 3 only


def test_rcan_dat_per_batch_teacher_logs_every_term(data, pool_craft, caplog):
    with caplog.at_level(logging.INFO, logger="textsr"):
        _run(data, "dat", "rcan_dat", distill={"craft_weights": "craft.pth"},
             train={**TINY_TRAIN, "iterations": 2, "val_every": 2})
    row = (data / "dat" / "curve.tsv").read_text().splitlines()[1].split("\t")
    total, l_sr, l_ad, l_sd = map(float, row[1:5])
    assert total == pytest.approx(l_sr + 1000 * l_ad + 300 * l_sd, rel=1e-5)  # default weights 1, 1e3, 300
    assert 0 < l_ad < 4 / 64  # <= 4/(h*w) for 8x8 maps
    _, meta = load_sr_model(data / "dat" / "model.pt")
    assert meta["attention"]["places"] == ["group1"] and meta["distill"]["teacher_layers"] == ["relu3_2"]


def test_control_arm_is_the_distilled_arm_with_zero_distillation_weights(data, pool_craft):
    """rcan_sa (gates, no teacher) and rcan_dat with w_ad = w_sd = 0 train to the same weights bit for bit: same
    initial weights, same patches; the teacher crops draw no random numbers."""
    compute_teacher_maps(data / "hr", data / "teacher", weights="w", layers=["relu3_2"], threads=1)
    _run(data, "sa", "rcan_sa")
    _run(data, "dat0", "rcan_dat", teacher_dir=data / "teacher", distill={"w_ad": 0.0, "w_sd": 0.0})
    a, b = _weights(data / "sa" / "model.pt"), _weights(data / "dat0" / "model.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    _run(data, "dat", "rcan_dat", teacher_dir=data / "teacher")
    c = _weights(data / "dat" / "model.pt")
    assert not all(torch.equal(a[k], c[k]) for k in a)  # the distillation terms do move the weights


def test_sd_on_features_from_the_cache_equals_sd_per_batch(data, pool_craft):
    """SD on features (student group features against CRAFT's feature map): cached features (float16) and per-batch
    CRAFT give the same first-step loss terms up to float16 rounding."""
    compute_teacher_maps(data / "hr", data / "tf", weights="w", layers=["relu3_2"], features=True, threads=1)
    one = {**TINY_TRAIN, "iterations": 1, "log_every": 1, "val_every": 1, "augment": False}
    _run(data, "cached", "rcan_dat", teacher_dir=data / "tf", distill={"sd_on": "features"}, train=one)
    _run(data, "batch", "rcan_dat", distill={"sd_on": "features", "craft_weights": "w"}, train=one)
    a = (data / "cached" / "curve.tsv").read_text().splitlines()[1].split("\t")
    b = (data / "batch" / "curve.tsv").read_text().splitlines()[1].split("\t")
    assert float(a[4]) == pytest.approx(float(b[4]), rel=1e-2) and float(a[4]) > 0  # loss_sd
    compute_teacher_maps(data / "hr", data / "maps_only", weights="w", layers=["relu3_2"], threads=1)
    with pytest.raises(KeyError, match="without features"):
        _run(data, "nofeat", "rcan_dat", teacher_dir=data / "maps_only", distill={"sd_on": "features"}, train=one)


def test_early_stop_keeps_the_best_validated_weights_and_says_when(data, caplog):
    train = {**TINY_TRAIN, "iterations": 40, "val_every": 2, "log_every": 2, "lr": 0.05,
             "early_stop": {"patience": 2, "min_delta": 100.0}}  # no validation can rise by 100 dB: stop at the 3rd
    with caplog.at_level(logging.INFO, logger="textsr"):
        out = _run(data, "es", train=train)
    assert out["iterations"] == 6 and out["best_iteration"] == 2  # validations at 2 (best), 4, 6 -> stop
    assert any("early stop at iteration 6" in r.getMessage() for r in caplog.records)
    _, meta = load_sr_model(data / "es" / "model.pt")
    assert meta["iterations"] == 6 and meta["best_iteration"] == 2
    # the file holds the weights of iteration 2: a plain 2-iteration run gives them bit for bit
    _run(data, "two", train={**TINY_TRAIN, "iterations": 2, "val_every": 2, "log_every": 2, "lr": 0.05})
    a, b = _weights(data / "es" / "model.pt"), _weights(data / "two" / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_early_stop_state_survives_a_kill(data):
    train = {**TINY_TRAIN, "iterations": 12, "val_every": 2, "log_every": 2, "checkpoint_every": 1,
             "early_stop": {"patience": 2, "min_delta": 0.5}}
    full = _run(data, "full", train=train)
    with pytest.raises(Killed):
        _run(data, "killed", train=train, kill_at=3)
    resumed = _run(data, "killed", train=train)
    assert resumed["resumed_from"] == 3 and resumed["iterations"] == full["iterations"]  # checkpoint at 3, then killed
    a, b = _weights(data / "full" / "model.pt"), _weights(data / "killed" / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_method_resolution_checks_places_layers_and_kd():
    spec = resolve_method("rcan", 4, TINY_MODEL, {"places": None}, None, {})
    assert spec.attention["places"] == ["group0", "group1"]  # default: middle and last group
    assert spec.pairs == [("group0", "relu3_2"), ("group1", "relu3_2")]  # one layer for every gate (x4: relu3_2)
    with pytest.raises(ValueError, match="needs attention"):
        resolve_method("rcan", 4, TINY_MODEL, None, None, {})
    with pytest.raises(ValueError, match="group5"):
        resolve_method("rcan", 4, TINY_MODEL, {"places": ["group5"]})
    with pytest.raises(ValueError, match="2 teacher_layers for 1"):
        resolve_method("rcan", 4, TINY_MODEL, {"places": ["group1"]}, None,
                       {"teacher_layers": ["relu3_2", "upconv3"]})
    with pytest.raises(ValueError, match="n_resgroup"):
        resolve_method("rcan", 4, {"n_resgroup": 2})
    kd = resolve_method("rcan", 4, TINY_MODEL, kd={"type": "fakd", "places": ["group0", "skip"]})
    assert (kd.kd["w_sr"], kd.kd["w_out"], kd.kd["w_kd"]) == (0.5, 0.5, 10.0)  # FAKD: alpha 0.5, w 10
    assert kd.pixel_weight == 0.5


def test_checkpoint_of_other_config_is_not_resumed(data):
    with pytest.raises(Killed):
        _run(data, "x", kill_at=5)  # leaves a checkpoint at iteration 4
    out = _run(data, "x", train={**TINY_TRAIN, "lr": 5e-4})  # default is 1e-3
    assert out["resumed_from"] == 0


def test_unknown_option_is_an_error(data):
    with pytest.raises(ValueError, match="unknown train option"):
        _run(data, "bad", train={"iteration": 5})
