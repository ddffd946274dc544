"""MATLAB-compatible bicubic: hand-computed 1-D cases, sizes, and the MATLAB-made Set5 LR images."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import needs_samples
from textsr.degrade import (
    bicubic_downscale,
    bicubic_upscale,
    degrade_folder,
    imresize,
    modcrop,
    upscale_folder,
)
from textsr.util.imageio import read_image, write_png

SET5 = ("baby", "bird", "butterfly", "head", "woman")


def test_modcrop_keeps_top_left_and_drops_remainder():
    img = np.arange(7 * 10).reshape(7, 10)
    out = modcrop(img, 4)
    assert out.shape == (4, 8)  # 7 - 7 % 4 = 4, 10 - 10 % 4 = 8
    assert np.array_equal(out, img[:4, :8])
    assert modcrop(img, 1).shape == (7, 10)


def test_output_sizes_with_modcrop():
    hr = np.zeros((103, 98, 3), np.uint8)
    assert bicubic_downscale(hr, 4).shape == (25, 24, 3)  # modcrop -> 100 x 96, then / 4
    assert bicubic_downscale(hr[:, :, 0], 2).shape == (51, 49)
    assert bicubic_upscale(np.zeros((25, 24, 3), np.uint8), 4).shape == (100, 96, 3)
    assert imresize(np.zeros((5, 7)), 0.5).shape == (3, 4)  # ceil(2.5), ceil(3.5)
    assert imresize(np.zeros((5, 7)), 3).shape == (15, 21)


@pytest.mark.parametrize("scale", [0.25, 0.5, 2, 4])
def test_constant_image_stays_constant(scale):
    img = np.full((12, 16, 3), 137, np.uint8)
    out = imresize(img, scale)
    assert np.allclose(out, 137.0, atol=1e-9)
    if scale < 1:
        assert np.array_equal(bicubic_downscale(img, int(1 / scale)), img[:: int(1 / scale), :: int(1 / scale)])
    else:
        assert np.all(bicubic_upscale(img, int(scale)) == 137)


@pytest.mark.parametrize("scale, expected", [(2, lambda x: 2 * x + 0.5), (4, lambda x: 4 * x + 1.5)])
def test_ramp_downscale_gives_block_centres_away_from_the_border(scale, expected):
    # Input pixel i holds value i; output pixel x samples input position x*scale + (scale-1)/2 (0-based), where the
    # antialiased kernel is symmetric, so a linear ramp returns exactly that position (the block mean).
    ramp = np.tile(np.arange(64, dtype=np.float64), (8, 1))  # (8, 64), constant down the columns
    out = imresize(ramp, 1 / scale)[0]
    x = np.arange(64 // scale)
    inner = slice(3, 64 // scale - 3)  # taps reach 2 * scale input pixels: stay off the replicated border
    assert np.allclose(out[inner], expected(x[inner]), atol=1e-9)


def test_antialiased_x2_impulse_response_by_hand():
    # Weights at x2: 0.5 * cubic(0.5 d) for d = 0.5, 1.5, 2.5, 3.5 -> 0.43359375, 0.11328125, -0.03515625, -0.01171875
    # (cubic(0.25) = 0.8671875, cubic(0.75) = 0.2265625, cubic(1.25) = -0.0703125, cubic(1.75) = -0.0234375).
    sig = np.zeros((1, 16))
    sig[0, 6] = 100.0  # output x samples 2x + 0.5: distance to pixel 6 is 5.5, 3.5, 1.5, 0.5, 2.5, 4.5, ...
    out = imresize(sig, 0.5)[0]
    assert np.allclose(out, [0, -1.171875, 11.328125, 43.359375, -3.515625, 0, 0, 0], atol=1e-12)


def test_x2_upscale_impulse_response_by_hand():
    # Output x (1-based) samples u = x/2 + 0.25; weight of input 3 is cubic(u - 3):
    # cubic(0.25) = 0.8671875, cubic(0.75) = 0.2265625, cubic(1.25) = -0.0703125, cubic(1.75) = -0.0234375.
    sig = np.zeros((1, 5))
    sig[0, 2] = 100.0
    out = imresize(sig, 2)[0]
    expected = [0, -2.34375, -7.03125, 22.65625, 86.71875, 86.71875, 22.65625, -7.03125, -2.34375, 0]
    assert np.allclose(out, expected, atol=1e-12)


def test_border_taps_replicate_the_edge_pixel():
    # x2 output 0 samples position 0.5 (0-based): taps at -3..4; with the edge replicated a step 0|100 between
    # pixels 0 and 1 gives 100 - 100 * (w(-3.5) + w(-2.5) + w(-1.5) + w(-0.5)) = 100 * 0.5 = 50.
    sig = np.full((1, 16), 100.0)
    sig[0, 0] = 0.0
    rep = imresize(sig, 0.5)[0, 0]
    assert rep == pytest.approx(100 - 100 * (0.43359375 + 0.11328125 - 0.03515625 - 0.01171875))
    # The mirror (old MATLAB / BasicSR) puts taps -1, -2, -3 on pixels 0, 1, 2: only taps 0 and -1 see the 0.
    sym = imresize(sig, 0.5, padding="symmetric")[0, 0]
    assert sym == pytest.approx(100 - 100 * (0.43359375 + 0.11328125))
    with pytest.raises(ValueError):
        imresize(sig, 0.5, padding="reflect")


def test_uint8_conversion_rounds_half_away_and_clips():
    # A bright pixel next to dark ones overshoots below 0 and above 255 after x2 upscaling: clipped, not wrapped.
    img = np.zeros((1, 6), np.uint8)
    img[0, 2:4] = 255
    out = bicubic_upscale(img, 2)
    ref = imresize(img, 2)
    assert out.dtype == np.uint8
    assert ref.min() < 0 and ref.max() > 255
    assert np.array_equal(out, np.floor(np.clip(ref, 0, 255) + 0.5).astype(np.uint8))


def test_rejects_non_uint8():
    with pytest.raises(TypeError):
        bicubic_downscale(np.zeros((8, 8)), 2)


@needs_samples
@pytest.mark.parametrize("scale", [2, 4])
def test_matches_matlab_lr_of_set5_bit_for_bit(samples, scale):
    """MATLAB imresize(modcrop(HR), 1/scale, 'bicubic') from the RCAN repo: 100 % identical pixels (measured)."""
    for name in SET5:
        hr = read_image(samples / "set5" / "HR" / f"{name}_HR_x{scale}.png")
        ref = read_image(samples / "set5" / "LR_bicubic" / f"X{scale}" / f"{name}_LRBI_x{scale}.png")
        out = bicubic_downscale(hr, scale)
        assert out.shape == ref.shape, name
        diff = np.abs(out.astype(int) - ref.astype(int))
        assert diff.max() == 0, f"{name}: {np.count_nonzero(diff)} pixels differ, max {diff.max()}"


@needs_samples
def test_float_imresize_is_within_one_level_of_matlab(samples):
    """Without the uint8 intermediate MATLAB uses, values stay within +-1 (about 85-90 % exact)."""
    hr = read_image(samples / "set5" / "HR" / "head_HR_x4.png")
    ref = read_image(samples / "set5" / "LR_bicubic" / "X4" / "head_LRBI_x4.png").astype(int)
    out = np.floor(np.clip(imresize(hr, 0.25), 0, 255) + 0.5).astype(int)
    assert np.abs(out - ref).max() <= 1
    assert 0.8 < np.mean(out == ref) < 1.0


def test_folders_write_png_per_stem(tmp_path):
    rng = np.random.default_rng(0)
    write_png(tmp_path / "hr" / "a.png", rng.integers(0, 256, (34, 41, 3), dtype=np.uint8))
    write_png(tmp_path / "hr" / "b.png", rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    stems = degrade_folder(tmp_path / "hr", tmp_path / "lr", 4)
    assert stems == ["a", "b"]
    assert read_image(tmp_path / "lr" / "a.png").shape == (8, 10, 3)  # modcrop 32 x 40, / 4
    assert upscale_folder(tmp_path / "lr", tmp_path / "sr", 4) == ["a", "b"]
    assert read_image(tmp_path / "sr" / "a.png").shape == (32, 40, 3)
    assert read_image(tmp_path / "sr" / "b.png").shape == (16, 16, 3)
