"""The degradation axis: RCAN's BD / DN, OpenCV JPEG, Real-ESRGAN's pipeline, seeding, registry and folders."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from textsr.degrade import DEGRADATIONS, degrade_folder, degrade_image, image_rng
from textsr.degrade import bicubic as bicubic_module
from textsr.degrade.jpeg import diff_jpeg, jpeg_roundtrip, opencv_jpeg_library, quality_to_factor
from textsr.degrade.kernels import (
    filter2d_reflect,
    fspecial_gaussian,
    gaussian_kernel,
    generalized_gaussian_kernel,
    imfilter_replicate,
    matlab_uint8,
    plateau_kernel,
    random_blur_kernel,
    sinc_kernel,
)
from textsr.degrade.rcan import bd, bd_kernel_size, dn
from textsr.degrade.realworld import REALESRGAN_OPTIONS, add_gaussian_noise, realworld, torch_resize, usm_sharp
from textsr.util.imageio import write_png


def _scene(h=64, w=96):
    """Smooth ramps, a sinusoid and a saturated red block: JPEG and blur have something to do."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 2.5, y * 3.5, 128 + 60 * np.sin(x / 5.0)], axis=2).clip(0, 255).astype(np.uint8)
    img[20:40, 30:60] = [220, 30, 40]
    return img


# ------------------------------------------------------------------------------------------------- MATLAB pieces
def test_matlab_uint8_rounds_half_away_from_zero_and_saturates():
    # MATLAB uint8([0.5 1.5 2.5 -3 300 254.5]) = [1 2 3 0 255 255]; np.round would give 0, 2, 2 for the first three
    assert matlab_uint8(np.array([0.5, 1.5, 2.5, -3.0, 300.0, 254.5])).tolist() == [1, 2, 3, 0, 255, 255]


def test_fspecial_gaussian_even_size_grid_is_half_integer():
    h = fspecial_gaussian(12, 1.6)
    assert h.shape == (12, 12) and abs(h.sum() - 1) < 1e-12
    # grid -5.5 .. 5.5: the four centre taps (offsets +-0.5) are equal and the largest
    assert h[5, 5] == h[6, 6] == h.max()
    # ratio of neighbouring taps along a row at offsets 0.5 and 1.5: exp(-(1.5^2 - 0.5^2) / (2 * 1.6^2)) = exp(-2/5.12)
    assert h[5, 4] / h[5, 5] == pytest.approx(np.exp(-2 / 5.12), rel=1e-12)


def test_imfilter_origin_of_even_kernel_matches_matlab():
    # imfilter correlates with origin floor((12 + 1) / 2) = 6 (1-based): out(i) = sum_k h(k) in(i + k - 6), so an
    # impulse at 0-based 20 lands on outputs 14..25 with h reversed: out[14] = h[11] = 12, out[25] = h[0] = 1.
    img = np.zeros((1, 40), np.uint8)
    img[0, 20] = 100
    out = imfilter_replicate(img, np.arange(1, 13, dtype=np.float64)[None, :] / 100)
    assert np.nonzero(out[0])[0].tolist() == list(range(14, 26))
    assert out[0, 14] == 12 and out[0, 25] == 1


def test_bd_kernel_sizes_follow_the_script():
    # odd scale: ceil(1.6 * 3) * 2 + 1 = 11, except 7 at x3; even scale: ceil(4.8) * 2 + 2 = 12
    assert [bd_kernel_size(s) for s in (1, 2, 3, 4, 5)] == [11, 12, 7, 12, 11]
    assert bd_kernel_size(3, sigma=2.0) == 13  # ceil(6) * 2 + 1: the 7 is only for sigma 1.6


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bd_of_a_constant_image_is_that_constant(scale):
    hr = np.full((50, 61, 3), 173, np.uint8)
    lr = bd(hr, scale)
    assert lr.shape == (50 // scale, 61 // scale, 3)  # modcrop first
    assert np.all(lr == 173)  # weights sum to 1, replicate borders: every blurred pixel is 173


@pytest.mark.parametrize(
    "scale, pos, lr_pos, expected",
    [
        # x3: 7 x 7 kernel, LR (0, 0) keeps HR (1, 1) (MATLAB nearest picks 1-based row 2): the kernel centre.
        # centre = 1 / (sum_{x=-3..3} exp(-x^2 / 5.12))^2 = 1 / 3.905666^2 = 0.0655556; 255 * that = 16.72 -> 17
        (3, (1, 1), (0, 0), 17),
        # x2: 12 x 12 kernel, LR (1, 1) keeps HR (2, 2); c = sum_{x=-5.5..5.5} exp(-x^2 / 5.12) = 4.010048.
        # impulse at the kept pixel or one to the right/below: offset grid value 0.5 both ways:
        # 255 * exp(-0.25 / 5.12)^2 / c^2 = 14.38 -> 14 ...
        (2, (2, 2), (1, 1), 14),
        (2, (3, 3), (1, 1), 14),
        # ... one to the left/above sits at grid -1.5: 255 * exp(-2.25 / 5.12)^2 / c^2 = 6.58 -> 7
        (2, (1, 1), (1, 1), 7),
        # x4: rows 1, 5, 9 (0-based) kept; HR (7, 7) is +2 from HR (5, 5): grid 1.5 -> 7 at LR (1, 1)
        (4, (7, 7), (1, 1), 7),
    ],
)
def test_bd_blur_origin_and_subsampling_phase(scale, pos, lr_pos, expected):
    hr = np.zeros((24, 24), np.uint8)
    hr[pos] = 255
    assert bd(hr, scale)[lr_pos] == expected


def test_dn_noise_has_the_configured_sigma_on_a_flat_patch():
    hr = np.full((400, 400, 3), 128, np.uint8)
    lr = dn(hr, 4, rng=np.random.default_rng(7)).astype(np.float64)
    assert lr.shape == (100, 100, 3)
    # 30 000 samples of round(128 + 30 z): std 30 (rounding adds 1/12 to the variance: sqrt(900.08) = 30.001),
    # standard error of the std 30 / sqrt(2 * 30000) = 0.12, of the mean 30 / sqrt(30000) = 0.17
    assert abs(lr.std() - 30.0) < 0.5
    assert abs(lr.mean() - 128.0) < 0.6
    assert np.array_equal(lr, lr.round())  # integer grey levels


def test_dn_rounds_half_away_from_zero_in_single_precision():
    class HalfRng:  # noise 30 * z with z = 1/60 -> +0.5 exactly: MATLAB uint8(100.5) = 101 (numpy's round: 100)
        def standard_normal(self, shape):
            return np.full(shape, 1 / 60)

    assert np.all(dn(np.full((8, 8), 100, np.uint8), 2, rng=HalfRng()) == 101)


# ---------------------------------------------------------------------------------------------------------- JPEG
def test_jpeg_quality_100_is_closer_than_quality_10():
    hr = _scene(128, 192)
    bi = DEGRADATIONS["bi"](hr, 2)
    err = {q: np.abs(jpeg_roundtrip(bi, q).astype(int) - bi).mean() for q in (10, 50, 90, 100)}
    # measured (libjpeg-turbo 3.1.2): 9.64, 3.44, 1.93, 1.50 grey levels; q100 keeps the 4:2:0 chroma loss
    assert err[100] < err[90] < err[50] < err[10]
    assert err[100] < 2.0 and err[10] > 5.0
    assert np.array_equal(degrade_image("jpeg", hr, 2, 0, "a", quality=10), jpeg_roundtrip(bi, 10))


def test_jpeg_channel_order_matches_another_libjpeg_client():
    # Pillow and OpenCV both use libjpeg-turbo with the same defaults (4:2:0, islow DCT): identical decoded pixels
    # only when the RGB image reaches OpenCV as BGR; with R and B swapped the error differs by up to 86 levels.
    img = _scene()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=50)
    assert np.array_equal(np.asarray(Image.open(buf)), jpeg_roundtrip(img, 50))
    assert "libjpeg" in opencv_jpeg_library()


def test_jpeg_rejects_a_fractional_quality():
    with pytest.raises(ValueError, match="quality"):
        jpeg_roundtrip(_scene(), 50.5)


def test_diff_jpeg_constant_grey_dc_quantisation_by_hand():
    # grey 100: Y = 100, Cb = Cr = 128; luma DC = 8 * (100 - 128) = -224. Quality 10: factor 5000 / 10 / 100 = 5,
    # step 16 * 5 = 80; -224 / 80 = -2.8 -> -3 -> -240 -> pixel -240 / 8 + 128 = 98. Quality 50: step 16, exact.
    img = np.full((16, 32, 3), 100 / 255)
    assert quality_to_factor(10) == 5.0 and quality_to_factor(80) == pytest.approx(0.4)
    assert np.allclose(diff_jpeg(img, 10) * 255, 98.0, atol=1e-9)
    assert np.allclose(diff_jpeg(img, 50) * 255, 100.0, atol=1e-9)


def test_diff_jpeg_is_close_to_libjpeg_at_the_same_quality():
    img = _scene()
    cv = jpeg_roundtrip(img, 90).astype(np.float64)
    d = diff_jpeg(img / 255.0, 90) * 255
    # both are JPEG at q90 (error ~2 grey levels against the input); they differ by less than the error itself
    assert np.abs(d - cv).mean() < 3.0
    assert np.abs(d - img).mean() < 3.0


# --------------------------------------------------------------------------------------------- Real-ESRGAN kernels
def test_gaussian_kernels_by_hand():
    k = gaussian_kernel(21, 2.0, 2.0, 0.0)
    # isotropic: neighbour / centre = exp(-1 / (2 * 2^2)) = exp(-0.125)
    assert k[10, 11] / k[10, 10] == pytest.approx(np.exp(-0.125), rel=1e-12)
    a = gaussian_kernel(21, 3.0, 1.0, 0.0)  # wide along x (columns)
    assert a[10, 11] / a[10, 10] == pytest.approx(np.exp(-1 / 18), rel=1e-12)
    assert a[11, 10] / a[10, 10] == pytest.approx(np.exp(-1 / 2), rel=1e-12)
    assert np.allclose(gaussian_kernel(21, 3.0, 1.0, np.pi / 2), a.T, atol=1e-15)  # rotating 90 degrees swaps axes
    assert np.allclose(generalized_gaussian_kernel(21, 3.0, 1.0, 0.3, 1.0), gaussian_kernel(21, 3.0, 1.0, 0.3))
    p = plateau_kernel(7, 1.0, 1.0, 0.0, 2.0)  # 1 / (1 + (x^2 + y^2)^2): (0, 1) -> 1/2, (1, 1) -> 1/5 of the centre
    assert p[3, 4] / p[3, 3] == pytest.approx(0.5) and p[4, 4] / p[3, 3] == pytest.approx(0.2)


def test_sinc_kernel_centre_and_symmetry():
    s = sinc_kernel(np.pi / 2, 13)
    assert abs(s.sum() - 1) < 1e-12 and np.allclose(s, s.T) and np.allclose(s, s[::-1, ::-1])
    # unnormalised centre cutoff^2 / (4 pi) = pi / 16 = 0.196350; at r = 1: (pi/2) J1(pi/2) / (2 pi) = J1(pi/2) / 4
    # = 0.566824 / 4 = 0.141706; ratio 0.72170
    assert s[6, 7] / s[6, 6] == pytest.approx(0.141706 / 0.196350, rel=1e-5)


def test_random_blur_kernel_sizes_and_normalisation():
    rng = np.random.default_rng(3)
    o = REALESRGAN_OPTIONS
    sizes = set()
    for _ in range(60):
        k = random_blur_kernel(rng, kernel_list=o["kernel_list"], kernel_prob=o["kernel_prob"],
                               sigma_range=o["blur_sigma"], betag_range=o["betag_range"],
                               betap_range=o["betap_range"], sinc_prob=o["sinc_prob"])
        assert abs(k.sum() - 1) < 1e-9
        sizes.add(k.shape[0])
    assert sizes <= set(range(7, 22, 2)) and len(sizes) >= 6  # 8 odd sizes 7..21, uniform


# ------------------------------------------------------------------------------ torch semantics (reference: torch)
def test_resize_and_filter_match_torch():
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    img = np.random.default_rng(0).random((23, 37, 3))
    t = torch.from_numpy(img).permute(2, 0, 1)[None]
    for mode in ("area", "bilinear", "bicubic"):
        for s in (0.15, 0.5, 1.3):
            ref = fn.interpolate(t, scale_factor=s, mode=mode)[0].permute(1, 2, 0).numpy()
            got = torch_resize(img, (int(23 * s), int(37 * s)), mode, scale_factor=s)
            assert np.abs(ref - got).max() < 1e-12, (mode, s)
        ref = fn.interpolate(t, size=(11, 40), mode=mode)[0].permute(1, 2, 0).numpy()
        assert np.abs(ref - torch_resize(img, (11, 40), mode)).max() < 1e-12, mode
    k = gaussian_kernel(21, 3.0, 1.0, 0.7)
    padded = fn.pad(t[0][:, None], (10, 10, 10, 10), mode="reflect")
    ref = fn.conv2d(padded, torch.from_numpy(k)[None, None])[:, 0].permute(1, 2, 0).numpy()
    assert np.abs(filter2d_reflect(img, k) - ref).max() < 1e-12


def test_usm_sharp_leaves_flat_images_and_sharpens_edges():
    flat = np.full((40, 40, 3), 0.3)
    assert np.allclose(usm_sharp(flat), 0.3)  # residual 0 everywhere
    step = np.zeros((40, 60, 3))
    step[:, 30:] = 0.8
    out = usm_sharp(step)
    assert out[20, 31, 0] > 0.8 and out[20, 28, 0] == 0.0  # overshoot above the bright side, dark side clipped at 0


def test_gaussian_noise_sigma_in_grey_levels():
    img = np.full((300, 300, 3), 0.5)
    out = add_gaussian_noise(img, np.random.default_rng(1), (20, 20), 0.0)
    assert abs(out.std() * 255 - 20) < 0.3  # 270 000 samples: standard error 20 / sqrt(540000) = 0.03


# ----------------------------------------------------------------------------------------------------- realworld
def test_realworld_is_deterministic_per_seed_and_stem():
    hr = _scene(96, 128)
    a = degrade_image("realworld", hr, 4, 0, "img_1")
    assert a.shape == (24, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, degrade_image("realworld", hr, 4, 0, "img_1"))
    assert not np.array_equal(a, degrade_image("realworld", hr, 4, 0, "img_2"))
    assert not np.array_equal(a, degrade_image("realworld", hr, 4, 1, "img_1"))


def test_realworld_without_noise_keeps_a_constant_grey_away_from_the_jpeg_padding():
    # blur, resize and USM preserve a constant; DiffJPEG maps grey 128 to 0 after the level shift, so it is exact.
    # DiffJPEG pads with black to a multiple of 16 at the bottom/right (as the source), which darkens blocks there;
    # with a 256 px HR every intermediate is >= 38 px, so the top-left 8 x 8 LR pixels never meet that padding.
    quiet = dict(gaussian_noise_prob=1.0, noise_range=[0, 0], gaussian_noise_prob2=1.0, noise_range2=[0, 0])
    for seed in range(4):
        lr = degrade_image("realworld", np.full((256, 256, 3), 128, np.uint8), 2, seed, "c", **quiet)
        assert lr.shape == (128, 128, 3) and np.all(lr[:8, :8] == 128)


def test_realworld_rejects_unknown_options():
    with pytest.raises(ValueError, match="blur_sigma3"):
        degrade_image("realworld", _scene(), 4, 0, "x", blur_sigma3=[0, 1])


# -------------------------------------------------------------------------------------------- registry, folders
def test_image_rng_is_stable_and_per_stem():
    a = image_rng(0, "img_1").integers(0, 2**32, 4)
    assert np.array_equal(a, image_rng(0, "img_1").integers(0, 2**32, 4))
    assert not np.array_equal(a, image_rng(0, "img_2").integers(0, 2**32, 4))


def test_registry_names_and_parameter_errors():
    assert set(DEGRADATIONS) == {"bi", "bd", "dn", "jpeg", "realworld"}
    with pytest.raises(ValueError, match="unknown degradation 'blur'"):
        degrade_image("blur", _scene(), 2, 0, "x")
    with pytest.raises(ValueError, match=r"takes no parameter\(s\) \['quality'\]"):
        degrade_image("bd", _scene(), 2, 0, "x", quality=10)


def test_bi_folder_is_byte_identical_to_the_bicubic_only_version(tmp_path):
    for i in range(3):
        write_png(tmp_path / "hr" / f"im{i}.png", _scene(50 + i, 70))
    bicubic_module.degrade_folder(tmp_path / "hr", tmp_path / "old", 2)
    assert degrade_folder(tmp_path / "hr", tmp_path / "new", 2) == ["im0", "im1", "im2"]
    for i in range(3):
        assert (tmp_path / "new" / f"im{i}.png").read_bytes() == (tmp_path / "old" / f"im{i}.png").read_bytes()


def test_random_folder_output_depends_only_on_seed_and_stem(tmp_path):
    for i in range(3):
        write_png(tmp_path / "hr" / f"im{i}.png", _scene(48, 64))
    write_png(tmp_path / "one" / "im2.png", _scene(48, 64))
    degrade_folder(tmp_path / "hr", tmp_path / "a", 2, "dn", seed=5)
    degrade_folder(tmp_path / "one", tmp_path / "b", 2, "dn", seed=5)
    # same bytes for im2 whether or not im0 and im1 were degraded before it
    assert (tmp_path / "a" / "im2.png").read_bytes() == (tmp_path / "b" / "im2.png").read_bytes()
    # same content, different stems: different noise
    assert (tmp_path / "a" / "im0.png").read_bytes() != (tmp_path / "a" / "im1.png").read_bytes()


def test_folder_error_names_the_file(tmp_path):
    write_png(tmp_path / "hr" / "tiny.png", np.zeros((3, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="tiny.png"):
        degrade_folder(tmp_path / "hr", tmp_path / "lr", 4, "bd")
