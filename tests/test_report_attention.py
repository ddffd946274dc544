import numpy as np
import pytest
import torch

from textsr.util.imageio import write_png
from textsr.report.attention import (
    best_window, cosine, distilled_pairs, held_out_stems, pearson, plot_attention, student_and_teacher_maps,
)
from textsr.train import make_model, resolve_method


def _tiny_rcan_dat(path, *, places=("group0", "group1"), layers=("relu3_2", "upconv3"), n_val=1):
    """A 2-group x 1-block x 8-feature (reduction 4) RCAN_dat file as train_sr writes it (state_dict + meta)."""
    spec = resolve_method("rcan", 4, {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4},
                          {"places": list(places)}, {"n_val": n_val}, {"teacher_layers": list(layers)})
    torch.manual_seed(0)
    net = make_model(spec)
    meta = {"arch": "rcan", "model": spec.model, "attention": spec.attention, "scale": 4, "train": spec.train,
            "distill": spec.distill}
    torch.save({"state_dict": net.state_dict(), "meta": meta}, path)
    return meta


def test_pairs_follow_the_training_order_and_one_layer_serves_every_group():
    assert distilled_pairs({"attention": {"places": ["group0", "group2"]},
                            "distill": {"teacher_layers": ["relu3_2", "upconv3"]}}) == [
        ("group0", "relu3_2"), ("group2", "upconv3")]
    assert distilled_pairs({"attention": {"places": ["group0", "group1"]},
                            "distill": {"teacher_layers": ["relu3_2"]}}) == [("group0", "relu3_2"), ("group1", "relu3_2")]
    with pytest.raises(ValueError, match="not a distilled model"):
        distilled_pairs({"attention": None, "distill": None})


def test_held_out_stems_are_the_last_sorted_ones_as_train_sr_holds_them_out():
    assert held_out_stems(["c", "a", "b", "d"], 2) == ["c", "d"]
    assert held_out_stems(["a"], 1) == ["a"]  # nothing would be left to train on: show what there is


def test_best_window_finds_the_hot_spot():
    heat = np.zeros((10, 12))
    heat[6:8, 9:11] = 1.0
    assert best_window(heat, 4) == (4, 7, 8, 11)  # first (top-left-most) 4 x 4 window holding all the mass
    assert best_window(heat, 50) == (0, 0, 10, 12)  # larger than the map: the whole map


def test_cosine_and_pearson():
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cosine(a, a) == pytest.approx(1.0) and cosine(a, 1 - a) == pytest.approx(0.0)
    assert pearson(a, 1 - a) == pytest.approx(-1.0)
    assert pearson(a, np.ones_like(a)) == 0.0  # constant map: no correlation defined, 0


def test_student_and_teacher_maps_line_up_on_the_lr_grid(tmp_path):
    _tiny_rcan_dat(tmp_path / "m.pt")
    from textsr.inference.superres import load_sr_model

    model, meta = load_sr_model(tmp_path / "m.pt")
    lr = np.random.default_rng(0).integers(0, 255, (12, 20, 3), dtype=np.uint8)
    teacher = {"relu3_2": np.ones((12, 20), np.float32), "upconv3": np.ones((6, 10), np.float32)}
    window, maps = student_and_teacher_maps(model, meta, lr, teacher, max_lr_side=8)
    assert window.shape == (8, 8, 3)
    assert [(m["group"], m["layer"], m["student"].shape, m["teacher"].shape) for m in maps] == [
        ("group0", "relu3_2", (8, 8), (8, 8)), ("group1", "upconv3", (8, 8), (8, 8))]
    with pytest.raises(KeyError, match="upconv3"):
        student_and_teacher_maps(model, meta, lr, {"relu3_2": teacher["relu3_2"]})


def test_plot_attention_on_held_out_images(tmp_path):
    _tiny_rcan_dat(tmp_path / "m.pt", n_val=1)
    rng = np.random.default_rng(1)
    for stem in ("a", "b"):
        write_png(tmp_path / "lr" / f"{stem}.png", rng.integers(0, 255, (12, 16, 3), dtype=np.uint8))
        (tmp_path / "teacher").mkdir(exist_ok=True)
        np.savez(tmp_path / "teacher" / f"{stem}.npz", relu3_2=rng.random((12, 16)).astype(np.float32),
                 upconv3=rng.random((12, 16)).astype(np.float32))
    rows = plot_attention(tmp_path / "m.pt", tmp_path / "teacher", tmp_path / "lr", tmp_path / "a.pdf",
                          tmp_path / "a.png")
    assert [(r["stem"], r["group"], r["layer"]) for r in rows] == [("b", "group0", "relu3_2"),
                                                                   ("b", "group1", "upconv3")]
    assert (tmp_path / "a.pdf").exists() and (tmp_path / "a.png").exists()
