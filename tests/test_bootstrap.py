"""Paired bootstrap over seeds and test images (textsr.evaluation.bootstrap); intervals worked out by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from textsr.evaluation import PROTOCOLS, evaluate, evaluate_to_json
from textsr.evaluation.bootstrap import (
    bootstrap_draws, comparison_rng, dataset_scores, holm, hmean_from_sums, image_counts, interval, min_detectable,
    p_values, paired_bootstrap, paired_bootstrap_seeds, paired_bootstrap_two_stage, paired_counts, result_counts,
    verdict,
)

# Two images, columns (precision num, precision den, recall num, recall den):
#   image 1: a finds its one word (1, 1, 1, 1); b puts its one box elsewhere (0, 1, 0, 1)
#   image 2: both find 1 of 3 words with 2 boxes (1, 2, 1, 3)
# Resampling 2 images gives 3 multisets:
#   {1, 1} p 1/4: a (2,2,2,2) H 1; b (0,2,0,2) H 0                                        -> diff 1
#   {1, 2} p 1/2: a (2,3,2,4) P 2/3 R 1/2 H 4/7; b (1,3,1,4) P 1/3 R 1/4 H 2/7          -> diff 2/7
#   {2, 2} p 1/4: a = b (2,4,2,6) P 1/2 R 1/3 H 0.4                                      -> diff 0
# The full set is {1, 2}: H_a 4/7, H_b 2/7, diff 2/7.
TWO_A = np.array([[1, 1, 1, 1], [1, 2, 1, 3]], dtype=float)
TWO_B = np.array([[0, 1, 0, 1], [1, 2, 1, 3]], dtype=float)


def test_two_images_give_the_percentiles_of_three_multisets():
    r = paired_bootstrap(TWO_A, TWO_B, n_resamples=10000, seed=0)
    assert (r["hmean_a"], r["hmean_b"], r["diff"]) == pytest.approx((4 / 7, 2 / 7, 2 / 7), abs=1e-12)
    # 2.5 % lies in the block {2,2} (first 25 %), 97.5 % in {1,1} (last 25 %): [0, 1]
    assert (r["ci_low"], r["ci_high"]) == (0.0, 1.0)
    assert (r["n_images"], r["n_resamples"]) == (2, 10000)
    # level 0.4: the 30 % and 70 % percentiles both lie in the {1,2} block (25 % .. 75 %): [2/7, 2/7]
    r40 = paired_bootstrap(TWO_A, TWO_B, level=0.4)
    assert (r40["ci_low"], r40["ci_high"]) == pytest.approx((2 / 7, 2 / 7), abs=1e-12)


def test_tail_percentile_of_four_images_is_the_second_smallest_value():
    # a misses image 1's word and adds a false box there, b is perfect everywhere; images 2-4 perfect in both.
    # k copies of image 1 in a resample: P = R = H_a = (4 - k)/4, H_b = 1, diff = -k/4; k ~ Binomial(4, 1/4):
    # P(k=4) = 1/256 = 0.4 %, P(k>=3) = 13/256 = 5.1 %, P(k=0) = 81/256 = 31.6 %.
    # 2.5 % percentile: in the k = 3 block -> -0.75; 97.5 %: in the k = 0 block -> 0. Full set (k = 1): -0.25.
    a = np.array([[0, 1, 0, 1]] + [[1, 1, 1, 1]] * 3, dtype=float)
    b = np.ones((4, 4))
    r = paired_bootstrap(a, b)
    assert r["diff"] == -0.25
    assert (r["ci_low"], r["ci_high"]) == (-0.75, 0.0)
    # p = 2 P*(d >= 0) = 2 P(k = 0) = 2 * 81/256 = 0.633; p_equiv = P*(d <= -0.03) = P(k >= 1) = 175/256 = 0.684
    t = paired_bootstrap_two_stage([(a, b)])
    assert (t["p"], t["p_equiv"]) == pytest.approx((162 / 256, 175 / 256), abs=0.03)
    assert verdict(t["p"], t["p_equiv"], t["direction"]) == "inconclusive"


def test_interval_collapses_to_the_point_when_every_image_is_identical():
    # every resample has the same proportions: a P 3/4 R 3/5 H 2/3; b P 2/4 R 2/5 H 4/9 -> diff 2/9 always
    a = np.tile([3.0, 4.0, 3.0, 5.0], (7, 1))
    b = np.tile([2.0, 4.0, 2.0, 5.0], (7, 1))
    r = paired_bootstrap(a, b, n_resamples=500)
    assert r["ci_low"] == r["ci_high"] == r["diff"] == pytest.approx(2 / 9)
    # no draw <= 0: p 0; every draw >= 0.03: p_equiv 1 -> a > b, and no spread: SE 0, MDE 0
    t = paired_bootstrap_two_stage([(a, b)], n_resamples=500)
    assert (t["p"], t["p_equiv"], t["direction"]) == (0.0, 1.0, "a > b")
    assert (t["se"], t["mde"]) == pytest.approx((0.0, 0.0), abs=1e-12)  # rounding of 2/9 - 4/9 differs by ~1e-16
    assert verdict(t["p"], t["p_equiv"], t["direction"]) == "a > b"


def test_the_same_image_resample_is_applied_to_a_and_b():
    # a == b on unequal images: paired, every resampled difference is exactly 0 (unpaired draws would not be)
    a = np.array([[0, 1, 0, 1], [5, 5, 5, 6], [2, 9, 2, 3]], dtype=float)
    r = paired_bootstrap(a, a.copy(), n_resamples=2000)
    assert (r["diff"], r["ci_low"], r["ci_high"]) == (0.0, 0.0, 0.0)


def test_dataset_formula_is_ratio_of_sums_not_mean_of_image_hmeans():
    # image 1: 1 word found by its 1 box; image 2: 9 words, no box.
    # P = 1/1, R = 1/10, H = 2 * 0.1 / 1.1 = 0.181818; the mean of per-image H would be (1 + 0)/2 = 0.5
    counts = np.array([[1, 1, 1, 1], [0, 0, 0, 9]], dtype=float)
    assert dataset_scores(counts) == pytest.approx((1.0, 0.1, 2 * 0.1 / 1.1))
    r = paired_bootstrap(counts, np.zeros((2, 4)), n_resamples=100)
    assert r["hmean_a"] == pytest.approx(0.181818, abs=1e-6) and r["hmean_a"] != pytest.approx(0.5)
    # zero denominators give 0, as the official scripts: no box at all -> P 0; no GT -> R 0
    assert hmean_from_sums(np.array([[0, 0, 0, 5], [0, 3, 0, 0]], dtype=float)).tolist() == [0.0, 0.0]


def test_seed_pairs_share_one_image_resample_and_average_the_difference():
    # the same seed pair twice: shared resamples give the single pair's distribution {0, 2/7, 1} -> the level-0.4
    # interval stays [2/7, 2/7]; independent resamples per pair would put the 30 % percentile at 1/7
    # (P(mean <= 1/7) = 1/16 + 2 * 1/4 * 1/2 = 0.3125)
    same = paired_bootstrap_seeds([(TWO_A, TWO_B), (TWO_A, TWO_B)], level=0.4)
    assert (same["ci_low"], same["ci_high"]) == pytest.approx((2 / 7, 2 / 7), abs=1e-12)
    assert same["n_seeds"] == 2
    # second seed pair with no difference: mean difference = half the first's, {0, 1/7, 1/2} w.p. 1/4, 1/2, 1/4
    half = paired_bootstrap_seeds([(TWO_A, TWO_B), (TWO_B, TWO_B)])
    assert half["diff"] == pytest.approx(1 / 7)
    assert (half["hmean_a"], half["hmean_b"]) == pytest.approx(((4 / 7 + 2 / 7) / 2, 2 / 7))
    assert (half["ci_low"], half["ci_high"]) == pytest.approx((0.0, 0.5), abs=1e-12)


def test_bootstrap_is_deterministic_by_seed_and_checks_shapes():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 9, (40, 4)).astype(float), rng.integers(0, 9, (40, 4)).astype(float)
    assert paired_bootstrap(a, b, seed=3) == paired_bootstrap(a, b, seed=3)
    assert paired_bootstrap(a, b, seed=3)["ci_low"] != paired_bootstrap(a, b, seed=4)["ci_low"]
    with pytest.raises(ValueError, match="differ in shape"):
        paired_bootstrap(a, b[:39])
    with pytest.raises(ValueError, match=r"shape \(n_images, 4\)"):
        paired_bootstrap(a[:, :3], b[:, :3])


# Two seeds, three images, columns as above; ONE = a found word (1, 1, 1, 1), MISS = a false box (0, 1, 0, 1).
#   seed 1: a ONE ONE ONE, b MISS MISS MISS -> H_a 1, H_b 0 on any image draw: D_1 = 1 always
#   seed 2: a ONE ONE MISS, b ONE ONE ONE   -> with j copies of image 3 among 3 draws, H_a = 1 - j/3, H_b = 1:
#           D_2 = -j/3, j ~ Binomial(3, 1/3): j = 0, 1, 2, 3 w.p. 8, 12, 6, 1 / 27
# Seed stage: v_1 copies of seed 1 among 2 draws, v_1 = 2, 1, 0 w.p. 1/4, 1/2, 1/4; statistic (v_1 D_1 + v_2 D_2)/2:
#   v_1 = 2: 1 (27/108);  v_1 = 1: (1 - j/3)/2 = 1/2, 1/3, 1/6, 0 (16, 24, 12, 2 /108);  v_1 = 0: -j/3 = 0, -1/3,
#   -2/3, -1 (8, 12, 6, 1 /108). Sorted: -1 (1), -2/3 (6), -1/3 (12), 0 (10), 1/6 (12), 1/3 (24), 1/2 (16), 1 (27).
#   CDF: 1, 7, 19, 29, 41, 65, 81, 108 /108. 2.5 % and 5 %: in -2/3's block (0.9 % .. 6.5 %); 97.5 % and 95 %: in
#   1's block (75 % .. 100 %) -> 95 % and 90 % intervals [-2/3, 1], half-width 5/6.
#   Mean 36/108 = 1/3; E[x^2] = (1 + 6 4/9 + 12/9 + 12/36 + 24/9 + 16/4 + 27)/108 = 39/108 -> var 1/4, SE 1/2,
#   MDE 2.8016 / 2 = 1.4008. p = 2 P*(d <= 0) = 2 * 29/108 = 0.537; p_equiv = P*(d >= 0.03) = 79/108 = 0.731.
# Image stage alone (both seeds as run): (1 - j/3)/2 = 1/2, 1/3, 1/6, 0 w.p. 8, 12, 6, 1 /27; 2.5 % in 0's block
#   (0 .. 3.7 %), 97.5 % in 1/2's block (70 % .. 100 %) -> [0, 1/2]: the seeds make the interval 5/3 wide, not 1/2.
ONE, MISS = [1, 1, 1, 1], [0, 1, 0, 1]
SEED1 = (np.array([ONE] * 3, dtype=float), np.array([MISS] * 3, dtype=float))
SEED2 = (np.array([ONE, ONE, MISS], dtype=float), np.array([ONE] * 3, dtype=float))


def test_two_stage_bootstrap_of_two_seeds_and_three_images_where_seed_variance_dominates():
    r = paired_bootstrap_two_stage([SEED1, SEED2], n_resamples=10000, seed=0)
    # full set: H_a (1 + 2/3)/2 = 5/6, H_b (0 + 1)/2 = 1/2, per seed 1 and -1/3
    assert (r["hmean_a"], r["hmean_b"], r["diff"]) == pytest.approx((5 / 6, 1 / 2, 1 / 3), abs=1e-12)
    assert r["seed_diffs"] == pytest.approx([1.0, -1 / 3], abs=1e-12)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((-2 / 3, 1.0), abs=1e-12)
    assert (r["ci90_low"], r["ci90_high"]) == pytest.approx((-2 / 3, 1.0), abs=1e-12)
    assert r["half_width"] == pytest.approx(5 / 6, abs=1e-12)
    assert (r["img_ci_low"], r["img_ci_high"]) == pytest.approx((0.0, 0.5), abs=1e-12)
    assert r["se"] == pytest.approx(0.5, rel=0.03) and r["mde"] == pytest.approx(1.4008, rel=0.03)
    assert (r["p"], r["p_equiv"]) == pytest.approx((58 / 108, 79 / 108), abs=0.03)
    assert verdict(r["p"], r["p_equiv"], r["direction"]) == "inconclusive"
    assert (r["n_images"], r["n_seeds"], r["n_resamples"]) == (3, 2, 10000)


def test_seed_stage_draws_seed_pairs_so_a_seed_effect_shared_by_both_conditions_cancels():
    # seed 1: both conditions perfect (H 1); seed 2: both miss everything (H 0). Paired by seed, every draw is 0
    # (interval [0, 0], p 1, p_equiv 0: equivalent); drawing a's and b's seeds apart would give -1 .. 1.
    good, bad = np.array([ONE] * 3, dtype=float), np.array([MISS] * 3, dtype=float)
    two_stage, image_only = bootstrap_draws([(good, good.copy()), (bad, bad.copy())], n_resamples=2000)
    assert np.all(two_stage == 0.0) and np.all(image_only == 0.0)
    r = paired_bootstrap_two_stage([(good, good.copy()), (bad, bad.copy())], n_resamples=2000)
    assert (r["p"], r["p_equiv"]) == (1.0, 0.0)
    assert verdict(r["p"], r["p_equiv"], r["direction"]) == "equivalent within ±0.03"


def test_one_seed_pair_two_stage_equals_image_only():
    # one seed: the seed stage always draws it, so both distributions are the same draws
    two_stage, image_only = bootstrap_draws([(TWO_A, TWO_B)], n_resamples=3000, seed=9)
    assert np.array_equal(two_stage, image_only)


def test_equivalence_is_the_90_percent_interval_strictly_inside_the_margin():
    # 1000 draws, margin 0.25 (exact in binary), alpha 0.05: TOST at 5 % <-> 50th smallest / largest draw
    m = 0.25
    at_edge = np.array([-m] * 50 + [0.0] * 950)  # P*(d <= -m) = 0.05, not < 0.05; 90 % interval [-m, 0]
    inside = np.array([-m] * 49 + [0.0] * 951)  # P*(d <= -m) = 0.049; 50th smallest draw is 0
    near = np.array([-0.2499] * 50 + [0.0] * 950)  # just inside: no draw <= -m
    for draws, lo90, equivalent in ((at_edge, -m, False), (inside, 0.0, True), (near, -0.2499, True)):
        for sign in (1, -1):  # the upper edge mirrors the lower one
            d = sign * draws
            p, p_equiv, direction = p_values(d, m)
            assert interval(d, 0.10) == (min(sign * lo90, 0.0), max(sign * lo90, 0.0))
            assert (p_equiv < 0.05) is equivalent, (draws[:1], sign, p_equiv)
            # every draw is 0 or on one side: p = 2 min(1, 0.95 or so) -> 1, never a difference
            assert p == 1.0
            expected = "equivalent within ±0.25" if equivalent else "inconclusive"
            assert verdict(p, p_equiv, direction, margin=m) == expected
    # the rule at alpha itself: strict inequalities; equivalence comes before a difference
    assert verdict(0.01, 0.0499, "a > b") == "equivalent within ±0.03"
    assert verdict(0.01, 0.05, "a > b") == "a > b"
    assert verdict(0.0499, 0.05, "a < b") == "a < b"
    assert verdict(0.05, 0.05, "a > b") == "inconclusive"
    with pytest.raises(ValueError, match="direction"):
        verdict(0.01, 0.5, "a = b")


def test_interval_and_p_value_agree_at_the_zero_edge():
    # 10000 draws, 250 of them <= 0 (2.5 %): the 250th smallest is 0 -> the interval touches 0 and p = 0.05
    d = np.array([0.0] * 250 + [0.1] * 9750)
    assert interval(d, 0.05) == (0.0, 0.1)
    # p = 2 * 0.025 = 0.05 (not < 0.05: no difference, as the interval says); p_equiv = P*(d >= 0.03) = 0.975
    assert p_values(d, 0.03) == (pytest.approx(0.05), 0.975, "a > b")
    d = np.array([0.0] * 249 + [0.1] * 9751)  # 249 <= 0: the 250th smallest is 0.1 > 0 and p = 0.0498 < 0.05
    assert interval(d, 0.05)[0] == 0.1 and p_values(d, 0.03)[0] == pytest.approx(0.0498)


def test_minimum_detectable_effect_is_2_8016_standard_errors():
    # z_0.975 = 1.959964, z_0.8 = 0.841621: 2.801585 SE; alpha 0.01: 2.575829 + 0.841621 = 3.417450
    assert min_detectable(0.01) == pytest.approx(0.02801585, abs=1e-8)
    assert min_detectable(0.01, alpha=0.01) == pytest.approx(0.03417450, abs=1e-8)


def test_holm_adjusts_in_input_order_with_the_logical_restriction():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone 0.02, 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # at most 2 true: multipliers min(2, 4 - j) = 2, 2, 2, 1 -> 0.01, 0.02, 0.06, 0.04 -> 0.01, 0.02, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03, 0.005], max_true=2) == pytest.approx([0.02, 0.06, 0.06, 0.01])
    # one row's two tests (at most one true): unadjusted; capped at 1
    assert holm([0.03, 0.7], max_true=1) == [0.03, 0.7]
    assert holm([0.6, 0.7]) == [1.0, 1.0]
    assert holm([]) == []


def test_each_comparison_has_its_own_rng_stream():
    draws = lambda *names: comparison_rng(0, *names).integers(0, 10**9, 4).tolist()
    assert draws("synth", "4", "rcan_dat@s", "rcan@s") == draws("synth", "4", "rcan_dat@s", "rcan@s")
    assert draws("synth", "4", "rcan_dat@s", "rcan@s") != draws("synth", "4", "rcan@s", "rcan_dat@s")
    assert draws("synth", "4", "rcan_dat@s", "rcan@s") != draws("synth", "2", "rcan_dat@s", "rcan@s")
    assert comparison_rng(0, "a").random() != comparison_rng(1, "a").random()


# ---- per-image counts of every protocol reproduce the evaluation's own numbers --------------------------------

W_IMG, H_IMG = 640, 480


def _boxes(rng, n=6):
    """n (x0, y0, w, h) boxes on a 3 x 2 grid of 640 x 480, text-like (wide, 20-40 px high)."""
    out = []
    for k in range(n):
        r, c = divmod(k, 3)
        w, h = int(rng.integers(120, 170)), int(rng.integers(20, 40))
        out.append((c * 213 + int(rng.integers(5, 30)), r * 240 + int(rng.integers(20, 150)), w, h))
    return out


def _detections(rng, boxes):
    """Jittered copies of most boxes, one split into two halves, two neighbours merged, a false positive."""
    dets = []
    for k, (x, y, w, h) in enumerate(boxes):
        u = rng.random()
        if k == 0:
            dets += [(x, y, w // 2 - 1, h), (x + w // 2 + 1, y, w - w // 2 - 1, h)]  # split
        elif k == 1:
            nx, ny, nw, nh = boxes[2]
            dets.append((x - 1, min(y, ny) - 1, nx + nw - x + 2, max(y + h, ny + nh) - min(y, ny) + 2))  # merge 1+2
        elif k == 2:
            continue
        elif u < 0.75:
            dets.append((x + int(rng.integers(-4, 5)), y + int(rng.integers(-3, 4)), w + int(rng.integers(-8, 9)), h + int(rng.integers(-4, 5))))
    dets.append((int(rng.integers(0, 500)), int(rng.integers(0, 440)), 60, 25))
    return dets


def _quad(x, y, w, h):
    return [x, y, x + w, y, x + w, y + h, x, y + h]  # TL, TR, BR, BL: clockwise on screen


def _curve(x, y, w, h):
    xs = np.linspace(x, x + w, 7).round().astype(int)
    return [(int(v), y) for v in xs] + [(int(v), y + h) for v in xs[::-1]]


def _line(values):
    return ",".join(str(int(v)) for v in np.asarray(values).ravel())


def write_realistic_case(root, dataset: str, n_images: int = 10, seed: int = 0):
    """Native GT, res_*.txt detections and an image folder for `dataset`: dontcare GT, splits, merges, false
    positives, an image with an empty GT file, an image without a detection file and an image without a GT
    file. Returns (gt_dir, det_dir, image_dir)."""
    rng = np.random.default_rng(seed)
    gt_dir, det_dir, img_dir = root / "gt", root / "det", root / "images"
    for d in (gt_dir, det_dir, img_dir):
        d.mkdir(parents=True)
    for i in range(1, n_images + 2):
        stem = {"icdar2015": f"img_{i}", "icdar2017": f"img_{i}", "icdar2013": f"img_{i}", "msra_td500": f"IMG_{i}",
                "ctw1500": f"{1000 + i}", "totaltext": f"img{i}"}[dataset]
        (img_dir / f"{stem}.jpg").write_bytes(b"")  # only the names matter here
        boxes = _boxes(rng)
        care = [k != 5 for k in range(len(boxes))]  # the last box of every image is don't care
        dets = _detections(rng, boxes)
        if i == 3:
            boxes, care = [], []  # an empty GT file: no text
        lines, det_lines = [], []
        for (x, y, w, h), ok in zip(boxes, care):
            if dataset in ("icdar2015", "icdar2017"):
                lines.append(_line(_quad(x, y, w, h)) + (",Latin" if dataset == "icdar2017" else "") + (",word" if ok else ",###"))
            elif dataset == "icdar2013":
                lines.append(f'{x}, {y}, {x + w}, {y + h}, "{"word" if ok else "###"}"')
            elif dataset == "msra_td500":
                lines.append(f"{len(lines)} {0 if ok else 1} {x} {y} {w} {h} 0")
            elif dataset == "ctw1500":
                p = np.asarray(_curve(x, y, w, h))
                lines.append(_line(np.concatenate([p.min(0), p.max(0), (p - p.min(0)).ravel()])))
            else:
                p = np.asarray(_curve(x, y, w, h))
                xs, ys = " ".join(map(str, p[:, 0])), " ".join(map(str, p[:, 1]))
                lines.append(f"x: [[{xs}]], y: [[{ys}]], ornt: [u'{'c' if ok else '#'}'], transcriptions: [u'{'word' if ok else '#'}']")
        for k, (x, y, w, h) in enumerate(dets):
            if dataset in ("icdar2015", "msra_td500"):
                det_lines.append(_line(_quad(x, y, w, h)))
            elif dataset == "icdar2017":
                det_lines.append(_line(_quad(x, y, w, h)) + f",{0.5 + 0.01 * ((k * 7) % 40):.2f}")
            elif dataset == "icdar2013":
                det_lines.append(f"{x},{y},{x + w},{y + h}")
            else:
                det_lines.append(_line(_curve(x, y, w, h)))
        gt_name = {"icdar2015": f"gt_{stem}.txt", "icdar2017": f"gt_{stem}.txt", "icdar2013": f"gt_{stem}.txt",
                   "msra_td500": f"{stem}.gt", "ctw1500": f"{stem}.txt", "totaltext": f"poly_gt_{stem}.txt"}[dataset]
        if i <= n_images:  # the last image has no GT file
            (gt_dir / gt_name).write_text("".join(l + "\n" for l in lines))
        if i != 5:  # image 5 has no detection file
            (det_dir / f"res_{stem}.txt").write_text("".join(l + "\n" for l in det_lines))
    return gt_dir, det_dir, img_dir


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_summed_image_counts_reproduce_the_json_exactly(protocol, tmp_path):
    gt_dir, det_dir, img_dir = write_realistic_case(tmp_path, PROTOCOLS[protocol].dataset)
    result = evaluate_to_json(protocol, gt_dir, det_dir, tmp_path / "eval.json", images=img_dir)
    loaded = json.loads((tmp_path / "eval.json").read_text())
    assert result["n_gt"] > 30 and 0 < result["hmean"] < 1
    for r in (result, loaded):
        counts = result_counts(r)
        assert dataset_scores(counts) == (r["precision"], r["recall"], r["hmean"])  # exact, not approx
        assert counts[:, 1].sum() == r["n_det"] and counts[:, 3].sum() == r["n_gt"]
    if protocol.startswith("totaltext"):  # the image without a detection file is left out, as the scorer does
        assert loaded["skipped_images"] == ["img5"] and "img5" not in loaded["per_image"]
        assert result_counts(loaded)[-1].tolist() == [0.0, 0.0, 0.0, 0.0]
        assert len(result_counts(loaded)) == 11
    if protocol in ("icdar2013", "totaltext"):  # DetEval credits: the split GT gives recall credit 0.8
        assert any(g["type"] == "OM" for rec in loaded["per_image"].values() for g in rec["match_groups"])
    # a bootstrap of the result against itself keeps its H and has a zero-width interval
    stems, ca, cb = paired_counts(loaded, result)
    boot = paired_bootstrap(ca, cb, n_resamples=200)
    assert boot["hmean_a"] == loaded["hmean"] and (boot["ci_low"], boot["ci_high"]) == (0.0, 0.0)


def test_totaltext_skipped_image_is_a_zero_row_when_paired_with_a_condition_that_has_it(tmp_path):
    gt_dir, det_dir, img_dir = write_realistic_case(tmp_path, "totaltext", n_images=6)
    a = evaluate("totaltext", gt_dir, det_dir, images=img_dir)  # img5 has no detection file: skipped
    (det_dir / "res_img5.txt").write_text("")
    b = evaluate("totaltext", gt_dir, det_dir, images=img_dir)  # an empty one: its GT counts as missed
    stems, ca, cb = paired_counts(a, b)
    # a's per_image (GT files in name order, then img7, which has no GT file), then its skipped image
    assert stems == ["img1", "img2", "img3", "img4", "img6", "img7", "img5"]
    assert ca[6].tolist() == [0, 0, 0, 0] and cb[6, 3] == b["per_image"]["img5"]["n_gt"] > 0
    assert dataset_scores(ca) == (a["precision"], a["recall"], a["hmean"])
    assert dataset_scores(cb) == (b["precision"], b["recall"], b["hmean"])


def test_pairing_refuses_other_images_other_protocols_and_stale_numbers(tmp_path):
    gt_dir, det_dir, _ = write_realistic_case(tmp_path, "icdar2015", n_images=4)
    a = evaluate("icdar2015", gt_dir, det_dir)
    fewer = json.loads(json.dumps(a))
    del fewer["per_image"]["img_2"]
    with pytest.raises(ValueError, match=r"not on the same test images.*\['img_2'\]"):
        paired_counts(a, fewer)
    with pytest.raises(ValueError, match="different protocols"):
        paired_counts(a, {**a, "protocol": "icdar2013"})
    stale = {**a, "precision": a["precision"] + 0.01}
    with pytest.raises(ValueError, match="stale or foreign"):
        result_counts(stale)
    with pytest.raises(KeyError, match="img_9"):
        image_counts(a["per_image"], "icdar2015", stems=["img_1", "img_9"])


def test_one_comparison_of_500_images_is_fast():
    # 10,000 resamples x 500 images; measured ~0.15 s on the shared 2-core VM. The bound is loose on purpose.
    import time

    rng = np.random.default_rng(0)
    g = rng.integers(1, 30, 500)
    m = rng.integers(0, 30, 500) % (g + 1)
    a = np.stack([m, g, m, g], axis=1).astype(float)
    t = time.perf_counter()
    paired_bootstrap(a, a[::-1].copy())
    assert time.perf_counter() - t < 5.0
    assert math.isfinite(paired_bootstrap(a, a[::-1].copy(), n_resamples=10)["ci_low"])
