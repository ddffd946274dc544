"""Y-channel PSNR / SSIM as RCAN's Evaluate_PSNR_SSIM.m (textsr.evaluation.image_metrics)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import needs_samples

from textsr.evaluation.image_metrics import psnr_y, rgb_to_y, sr_metrics_folder, sr_metrics_to_json, ssim_matlab, ssim_y
from textsr.util.imageio import write_png

NAMES = ["baby", "bird", "butterfly", "head", "woman"]


def test_y_is_bt601_on_0_255_not_rounded():
    # white: 16 + (65.481 + 128.553 + 24.966) * 255 / 255 = 16 + 219 = 235; black: 16;
    # pure red: 16 + 65.481 = 81.481 (kept as a float)
    img = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], dtype=np.uint8)
    assert rgb_to_y(img)[0].tolist() == pytest.approx([235.0, 16.0, 81.481], abs=1e-12)


def test_psnr_by_hand_with_shave_and_crop():
    # hr 8x8 gray 100, sr 6x6: hr is cropped to 6x6 first; shave 1 leaves 4x4.
    # sr is hr + 1 on every channel: Y difference = (65.481 + 128.553 + 24.966) / 255 = 219/255 = 0.858824; MSE = 0.737578;
    # PSNR = 10 log10(65025 / 0.737578) = 49.4527
    hr = np.full((8, 8, 3), 100, np.uint8)
    sr = np.full((6, 6, 3), 101, np.uint8)
    sr[0, :] = 0  # lies in the shaved border: no effect
    expected = 10 * math.log10(255**2 / (219 / 255) ** 2)
    assert psnr_y(sr, hr, 1) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(49.4527, abs=1e-4)
    assert psnr_y(hr, hr, 2) == math.inf
    # SSIM of the same pair: the shaved 4x4 region is smaller than the 11x11 window -> refused.
    # 30x30 constants 100 vs 101 on every channel: Y = 16 + 219 v / 255 = 101.882 vs 102.741, sigmas 0, so
    # SSIM = (2 a b + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 255)^2 = 6.5025
    with pytest.raises(ValueError, match="at least 11 x 11"):
        ssim_y(sr, hr, 1)
    a = 16 + 219 * 100 / 255
    b = 16 + 219 * 101 / 255
    big_hr, big_sr = np.full((30, 30, 3), 100, np.uint8), np.full((30, 30, 3), 101, np.uint8)
    assert ssim_y(big_sr, big_hr, 2) == pytest.approx((2 * a * b + 6.5025) / (a * a + b * b + 6.5025), abs=1e-12)


def test_ssim_identical_is_one_and_constant_offset_by_hand():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 32)).astype(np.float64)
    assert ssim_matlab(img, img) == pytest.approx(1.0, abs=1e-12)
    # two constant images a, b: sigma terms 0, SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01*255)^2 = 6.5025
    a, b = np.full((20, 20), 100.0), np.full((20, 20), 110.0)
    assert ssim_matlab(a, b) == pytest.approx((2 * 100 * 110 + 6.5025) / (100**2 + 110**2 + 6.5025), abs=1e-12)


def test_hr_smaller_than_sr_is_an_error():
    with pytest.raises(ValueError, match="smaller than the SR image"):
        psnr_y(np.zeros((10, 10, 3), np.uint8), np.zeros((8, 10, 3), np.uint8), 1)


@needs_samples
@pytest.mark.parametrize(
    "scale, per_image, mean_psnr, mean_ssim",
    [
        # published RCAN_TestCode/PSNR_SSIM_Results_BI_model.txt (samples/README.md) and RCAN's Set5 SSIM
        (2, [38.979958, 43.639850, 36.058756, 36.075233, 36.617042], 38.274168, 0.9614),
        (4, [33.948246, 35.904838, 29.359312, 33.010323, 30.945093], 32.633562, 0.9002),
    ],
)
def test_set5_rcan_matches_published_numbers(samples, tmp_path, scale, per_image, mean_psnr, mean_ssim):
    set5 = samples / "set5"
    (tmp_path / "sr").mkdir()
    (tmp_path / "hr").mkdir()
    for name in NAMES:  # the folder API matches by stem: link the files under common names
        (tmp_path / "sr" / f"{name}.png").symlink_to(set5 / "RCAN_SR" / f"X{scale}" / f"{name}_RCAN_x{scale}.png")
        (tmp_path / "hr" / f"{name}.png").symlink_to(set5 / "HR" / f"{name}_HR_x{scale}.png")
    r = sr_metrics_folder(tmp_path / "sr", tmp_path / "hr", scale)
    assert (r["n_images"], r["shave"]) == (5, scale)
    got = [r["per_image"][n]["psnr_y"] for n in NAMES]
    # published values are 6-decimal roundings of MATLAB single-precision Y: agree to 1.5e-6 dB
    assert got == pytest.approx(per_image, abs=1.5e-6)
    assert round(r["psnr_y"], 6) == mean_psnr
    assert round(r["ssim_y"], 4) == mean_ssim


def test_folder_requires_an_sr_image_per_hr_image(tmp_path):
    (tmp_path / "sr").mkdir()
    (tmp_path / "hr").mkdir()
    img = np.full((24, 24, 3), 50, np.uint8)
    write_png(tmp_path / "hr" / "a.png", img)
    write_png(tmp_path / "hr" / "b.png", img)
    write_png(tmp_path / "sr" / "a.png", img)
    with pytest.raises(FileNotFoundError, match=r"no SR image for 1 HR image\(s\), e.g. b\.png"):
        sr_metrics_folder(tmp_path / "sr", tmp_path / "hr", 2)
    write_png(tmp_path / "sr" / "b.png", img)
    r = sr_metrics_folder(tmp_path / "sr", tmp_path / "hr", 2)
    assert r["n_images"] == 2 and r["ssim_y"] == pytest.approx(1.0)
    # identical images: PSNR is infinite, written as JSON Infinity
    written = sr_metrics_to_json(tmp_path / "sr", tmp_path / "hr", 2, tmp_path / "out" / "x2.json")
    assert json.loads((tmp_path / "out" / "x2.json").read_text()) == written
    assert written["psnr_y"] == math.inf and written["shave"] == 2
