"""Paired bootstrap of H-mean differences between two conditions on one test set: two stages (training seeds,
then test images), equivalence within a margin, minimum detectable effect and Holm's adjustment.

Every protocol's dataset-level result is a ratio of sums over images (reference/evaluation.md):
P = sum(precision numerator) / sum(precision denominator), R = sum(recall numerator) / sum(recall denominator),
each 0 when its denominator is 0, H = 2PR / (P + R) (0 when P + R = 0). The four sums are read from the
per-image records of the evaluation JSON (`Protocol.per_image_sums`): matched / care detections / matched / care
GT for the IoU protocols (CTW1500: TP / (TP + FP) / TP / GT), precision credit / care detections / recall
credit / care GT for DetEval (icdar2013, icdar2013-wolf, totaltext). An image Total-Text's scorer leaves out
(no detection file, `skipped_images`) is a zero row: it adds nothing to any sum, as there.

Design: seeds x images, crossed (every seed's model is run on the same test images). The statistic is the
seed-averaged difference mean_s(H_a,s - H_b,s) over S seed pairs (same seed = same training data and
initialisation in both conditions; an untrained condition's single run is paired with every seed). One
resample draws S seed pairs with replacement, then the n test images with replacement, the image draw shared by
every seed and both conditions, and recomputes every dataset-level H from the resampled sums: the two-way
("pigeonhole") bootstrap of a crossed design (Owen 2007, Ann. Appl. Stat. 1:2), slightly conservative (the
seed x image interaction is counted in both stages). The image-only distribution (seeds as run, the same image
draws) is kept for transparency: its interval is what the bootstrap gave before seeds were resampled. With one
seed the two coincide and say nothing about the spread of training runs.

Intervals: percentile, the k-th smallest and k-th largest of the draws with k = ceil(alpha/2 n_resamples)
(`interval`), so that an interval and the bootstrap p-value (`p_values`) always agree. Equivalence within ±m:
two one-sided tests at alpha, i.e. the 1 - 2 alpha (90 %) interval inside (-m, m). Minimum detectable effect at
80 % power, two-sided alpha 0.05: (z_0.975 + z_0.8) SE = 2.8016 SE, SE the standard deviation of the two-stage
draws (`min_detectable`). Holm (`holm`) acts on the bootstrap p-values, not on the intervals: the printed
intervals are unadjusted, the verdict reads the adjusted p-values; each row contributes its difference and its
equivalence test, of which at most one null can be true, so a family of r rows is 2 r tests of which at most r
are true (Shaffer's restriction).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist

import numpy as np

from textsr.evaluation import get_protocol

#: resamples drawn per block (bounded memory: block x n_images multiplicities); fixed, so results do not depend on it
BLOCK = 1000


def image_counts(
    per_image: Mapping[str, dict], protocol: str, *, stems: Sequence[str] | None = None, skipped: Sequence[str] = ()
) -> np.ndarray:
    """Per-image sufficient statistics of the protocol's dataset-level formula.

    per_image: the evaluation JSON's `per_image` ({stem: record}); protocol: its name.
    stems: row order (default: per_image's order, then `skipped`); skipped: stems the scorer left out
    (Total-Text `skipped_images`), zero rows.
    Returns (n_images, 4) float64: precision numerator, precision denominator, recall numerator, recall denominator.
    """
    keys = get_protocol(protocol).per_image_sums
    skipped = list(skipped)
    stems = list(per_image) + [s for s in skipped if s not in per_image] if stems is None else list(stems)
    rows = np.zeros((len(stems), 4), dtype=np.float64)
    skip = set(skipped)
    for i, stem in enumerate(stems):
        record = per_image.get(stem)
        if record is None:
            if stem in skip:
                continue
            raise KeyError(f"image {stem!r} is not in the evaluation's per_image records")
        try:
            rows[i] = [float(record[k]) for k in keys]
        except KeyError as exc:
            raise KeyError(f"image {stem!r}: per-image record has no {exc.args[0]!r} (protocol {protocol})") from None
    return rows


def image_stems(result: Mapping) -> list[str]:
    """Stems of every image of an evaluation result: per_image, then Total-Text's skipped images."""
    per_image = result["per_image"]
    return list(per_image) + [s for s in result.get("skipped_images", []) if s not in per_image]


def result_counts(result: Mapping, stems: Sequence[str] | None = None) -> np.ndarray:
    """`image_counts` of a whole evaluation result (dict of its JSON), rows in `stems` order (default `image_stems`).

    Checks that the rows sum back to the result's own precision and recall (|difference| <= 1e-9), so a JSON
    written by an evaluator with another formula is refused rather than bootstrapped.
    """
    counts = image_counts(result["per_image"], result["protocol"], stems=stems if stems is not None else image_stems(result),
                          skipped=result.get("skipped_images", ()))
    p, r, _ = dataset_scores(counts)
    if abs(p - float(result["precision"])) > 1e-9 or abs(r - float(result["recall"])) > 1e-9:
        raise ValueError(
            f"{result.get('det_dir', '?')}: per-image records give P {p:.6f}, R {r:.6f}, but the result says "
            f"P {float(result['precision']):.6f}, R {float(result['recall']):.6f} (stale or foreign evaluation JSON?)"
        )
    return counts


def paired_counts(result_a: Mapping, result_b: Mapping) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Align two evaluation results of one test set by image stem: (stems in a's order, counts_a, counts_b).

    The protocols and the image sets must be equal (ValueError naming the first differing stems).
    """
    pa, pb = get_protocol(result_a["protocol"]).name, get_protocol(result_b["protocol"]).name
    if pa != pb:
        raise ValueError(f"cannot pair results of different protocols: {pa} and {pb}")
    sa, sb = set(image_stems(result_a)), set(image_stems(result_b))
    if sa != sb:
        only_a, only_b = sorted(sa - sb)[:5], sorted(sb - sa)[:5]
        raise ValueError(
            f"the two results are not on the same test images ({len(sa)} vs {len(sb)} images); only in "
            f"{result_a.get('det_dir', 'a')}: {only_a}; only in {result_b.get('det_dir', 'b')}: {only_b}"
        )
    stems = image_stems(result_a)
    return stems, result_counts(result_a, stems), result_counts(result_b, stems)


def hmean_from_sums(sums: np.ndarray) -> np.ndarray:
    """(..., 4) summed counts -> (...,) H-mean, the protocols' formula (each ratio 0 for a zero denominator)."""
    sums = np.asarray(sums, dtype=np.float64)
    pn, pd, rn, rd = (sums[..., k] for k in range(4))
    p = np.divide(pn, pd, out=np.zeros_like(pn), where=pd != 0)
    r = np.divide(rn, rd, out=np.zeros_like(rn), where=rd != 0)
    s = r + p
    return np.divide(2.0 * r * p, s, out=np.zeros_like(s), where=s != 0)


def dataset_scores(counts: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, hmean) of all images, summed in row order as the scorers do (sequentially)."""
    counts = _check(counts)
    total = np.cumsum(counts, axis=0)[-1] if len(counts) else np.zeros(4)
    pn, pd, rn, rd = (float(v) for v in total)
    p = 0.0 if pd == 0 else pn / pd
    r = 0.0 if rd == 0 else rn / rd
    h = 0.0 if p + r == 0 else 2.0 * r * p / (r + p)
    return p, r, h


def _check(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[1] != 4:
        raise ValueError(f"counts must have shape (n_images, 4), got {counts.shape}")
    return counts


def comparison_rng(seed: int, *names: str) -> np.random.Generator:
    """The RNG stream of one comparison: numpy's SeedSequence of `seed` and the SHA-256 of `names` (e.g. dataset,
    protocol, detector, scale, condition_a, condition_b), so that no two comparisons share an image draw and a
    comparison's draws do not depend on which other comparisons the table holds."""
    digest = hashlib.sha256("\x1f".join(str(n) for n in names).encode("utf-8")).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


def _multiplicities(rng: np.random.Generator, n_items: int, m: int) -> np.ndarray:
    """(m, n_items) float64: row b counts how often each item is drawn in n_items draws with replacement."""
    idx = rng.integers(0, n_items, size=(m, n_items))
    flat = (idx + n_items * np.arange(m)[:, None]).ravel()  # resample b's draws in bins b n .. b n + n - 1
    return np.bincount(flat, minlength=m * n_items).reshape(m, n_items).astype(np.float64)


def _stack(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not pairs:
        raise ValueError("no seed pairs to compare")
    a = np.stack([_check(ca) for ca, _ in pairs])  # (S, n, 4)
    b = np.stack([_check(cb) for _, cb in pairs])
    if a.shape != b.shape:
        raise ValueError(f"counts of a {a.shape[1:]} and b {b.shape[1:]} differ in shape (not the same images?)")
    if a.shape[1] == 0:
        raise ValueError("no images to resample")
    return a, b


def bootstrap_draws(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], *, n_resamples: int = 10000, seed=0
) -> tuple[np.ndarray, np.ndarray]:
    """Two-stage and image-only bootstrap distributions of the seed-averaged H-mean difference.

    pairs: S seed pairs (counts_a, counts_b), each (n_images, 4) with rows for the same images in the same order.
    seed: an int or a numpy Generator (`comparison_rng`). Resample r draws S seed pairs with replacement
    (multiplicities v_s), then n images with replacement (multiplicities w_i), one image draw for every seed and
    both conditions; D_s = H(w @ counts_a,s) - H(w @ counts_b,s).
    Returns (two_stage, image_only), each (n_resamples,) float64: sum_s v_s D_s / S and mean_s D_s (the seeds
    as run, the image draw the same).
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    a, b = _stack(pairs)
    n_seeds, n = a.shape[:2]
    rng = np.random.default_rng(seed)
    # (n, 2 S 4): a's and b's counts of every seed pair side by side, one product per block of resamples. einsum,
    # not BLAS: the same sums (summation order) on every machine and thread count, and no thread contention.
    stacked = np.ascontiguousarray(np.concatenate([a, b]).transpose(1, 0, 2).reshape(n, 2 * n_seeds * 4))
    two_stage = np.empty(n_resamples, dtype=np.float64)
    image_only = np.empty(n_resamples, dtype=np.float64)
    for start in range(0, n_resamples, BLOCK):
        m = min(BLOCK, n_resamples - start)
        v = _multiplicities(rng, n_seeds, m)  # first the seeds ...
        w = _multiplicities(rng, n, m)  # ... then the images, shared by every seed pair and both conditions
        sums = np.einsum("rn,nk->rk", w, stacked).reshape(m, 2, n_seeds, 4)
        d = hmean_from_sums(sums[:, 0]) - hmean_from_sums(sums[:, 1])  # (m, S)
        two_stage[start : start + m] = (d * v).sum(axis=1) / n_seeds
        image_only[start : start + m] = d.mean(axis=1)
    return two_stage, image_only


def interval(draws: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile interval of level 1 - alpha: (k-th smallest, k-th largest) draw with k = ceil(alpha/2 * n).

    Equivalently lower = min{x: P*(d <= x) >= alpha/2}, upper = max{x: P*(d >= x) >= alpha/2} (numpy's
    'inverted_cdf' on d and on -d): lower > c exactly when P*(d <= c) < alpha/2, upper < c exactly when
    P*(d >= c) < alpha/2, so interval and `p_values` never disagree.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    d = np.sort(np.asarray(draws, dtype=np.float64))
    k = max(1, math.ceil(round(alpha / 2 * len(d), 6)))  # round: 0.025 * 10000 is 250, not 250.00000000000003
    return float(d[k - 1]), float(d[len(d) - k])


def p_values(draws: np.ndarray, margin: float) -> tuple[float, float, str]:
    """Bootstrap p-values of one difference: (p, p_equiv, direction).

    p: two-sided test of 0, min(1, 2 min(P*(d <= 0), P*(d >= 0))); p < alpha exactly when the 1 - alpha
    `interval` excludes 0. p_equiv: two one-sided tests of |difference| >= margin, max(P*(d <= -margin),
    P*(d >= margin)); p_equiv < alpha exactly when the 1 - 2 alpha interval lies inside (-margin, margin).
    direction: 'a > b' when P*(d <= 0) < P*(d >= 0), else 'a < b'.
    """
    d = np.asarray(draws, dtype=np.float64)
    below, above = float(np.mean(d <= 0)), float(np.mean(d >= 0))
    p_equiv = max(float(np.mean(d <= -margin)), float(np.mean(d >= margin)))
    return min(1.0, 2.0 * min(below, above)), p_equiv, ("a > b" if below < above else "a < b")


def min_detectable(se: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true difference a two-sided test at alpha detects with probability `power`:
    (z_{1-alpha/2} + z_{power}) * se; 2.8016 se at alpha 0.05 and 80 % power."""
    z = NormalDist().inv_cdf
    return float((z(1.0 - alpha / 2.0) + z(power)) * se)


def paired_bootstrap_two_stage(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], *, n_resamples: int = 10000, seed=0, alpha: float = 0.05,
    margin: float = 0.03, power: float = 0.8,
) -> dict:
    """Two-stage paired bootstrap (`bootstrap_draws`) of the seed-averaged H-mean difference, summarised.

    Returns hmean_a, hmean_b (means over seed pairs, full set), diff, seed_diffs (per seed pair, full set),
    ci_low, ci_high (1 - alpha `interval`), half_width, se (sd of the draws, ddof 1), mde (`min_detectable`),
    ci90_low, ci90_high (1 - 2 alpha interval, the equivalence test's), img_ci_low, img_ci_high (image-only,
    1 - alpha), p, p_equiv, direction (`p_values`), n_images, n_seeds, n_resamples. Fractions, not %.
    """
    a, b = _stack(pairs)
    two_stage, image_only = bootstrap_draws(pairs, n_resamples=n_resamples, seed=seed)
    h_a = np.array([dataset_scores(x)[2] for x in a])
    h_b = np.array([dataset_scores(x)[2] for x in b])
    lo, hi = interval(two_stage, alpha)
    lo90, hi90 = interval(two_stage, 2.0 * alpha)
    img_lo, img_hi = interval(image_only, alpha)
    se = float(np.std(two_stage, ddof=1)) if n_resamples > 1 else 0.0
    p, p_equiv, direction = p_values(two_stage, margin)
    return {"hmean_a": float(h_a.mean()), "hmean_b": float(h_b.mean()), "diff": float(h_a.mean() - h_b.mean()),
            "seed_diffs": [float(x) for x in h_a - h_b], "ci_low": lo, "ci_high": hi, "half_width": (hi - lo) / 2,
            "se": se, "mde": min_detectable(se, alpha, power), "ci90_low": lo90, "ci90_high": hi90,
            "img_ci_low": img_lo, "img_ci_high": img_hi, "p": p, "p_equiv": p_equiv, "direction": direction,
            "n_images": int(a.shape[1]), "n_seeds": int(a.shape[0]), "n_resamples": int(n_resamples)}


def paired_bootstrap_seeds(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], *, n_resamples: int = 10000, seed=0, level: float = 0.95
) -> dict:
    """Image-only bootstrap of the seed-averaged difference mean_s(H_a,s - H_b,s): the seeds as run, one image
    draw for every seed pair (the image stage of `bootstrap_draws`).

    Returns hmean_a, hmean_b (means over seed pairs on the full set), diff, ci_low, ci_high (`interval` of
    level `level`), n_images, n_resamples, n_seeds.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    a, b = _stack(pairs)
    _, image_only = bootstrap_draws(pairs, n_resamples=n_resamples, seed=seed)
    lo, hi = interval(image_only, 1.0 - level)
    h_a = float(np.mean([dataset_scores(x)[2] for x in a]))
    h_b = float(np.mean([dataset_scores(x)[2] for x in b]))
    return {"hmean_a": h_a, "hmean_b": h_b, "diff": h_a - h_b, "ci_low": lo, "ci_high": hi,
            "n_images": int(a.shape[1]), "n_resamples": int(n_resamples), "n_seeds": len(pairs)}


def paired_bootstrap(
    counts_a: np.ndarray, counts_b: np.ndarray, *, n_resamples: int = 10000, seed=0, level: float = 0.95
) -> dict:
    """Paired percentile bootstrap of H_a - H_b over test images (one seed pair; see `paired_bootstrap_seeds`).

    counts_a, counts_b: (n_images, 4) `image_counts` rows of the same images in the same order.
    Returns hmean_a, hmean_b, diff (a - b on the full set), ci_low, ci_high, n_images, n_resamples.
    """
    out = paired_bootstrap_seeds([(counts_a, counts_b)], n_resamples=n_resamples, seed=seed, level=level)
    del out["n_seeds"]
    return out


def holm(p: Sequence[float], max_true: int | None = None) -> list[float]:
    """Holm step-down adjusted p-values, in the input order: the j-th smallest p times min(max_true, M - j + 1),
    made monotone, capped at 1 (M = len(p)).

    max_true: at most this many of the M hypotheses can be true at once (Shaffer's logical restriction; default
    M, plain Holm). A family of comparisons tests, per row, "difference 0" and "|difference| >= margin", of which
    at most one is true: M = 2 rows, max_true = rows; for one row both tests keep their own p.
    """
    p = [float(x) for x in p]
    m = len(p)
    cap = m if max_true is None else min(m, int(max_true))
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    running = 0.0
    for j, i in enumerate(order):
        running = max(running, min(1.0, min(cap, m - j) * p[i]))
        adjusted[i] = running
    return adjusted


def verdict(p: float, p_equiv: float, direction: str, *, alpha: float = 0.05, margin: float = 0.03) -> str:
    """'equivalent within ±m' when p_equiv < alpha (the 1 - 2 alpha interval lies inside (-m, m)), else
    `direction` ('a > b' / 'a < b') when p < alpha (the 1 - alpha interval excludes 0), else 'inconclusive'.

    Equivalence comes first: a difference shown to lie inside the margin is one the study declared too small
    to matter, even when it is shown to be non-zero. p, p_equiv: Holm-adjusted where the row is in a family.
    """
    if direction not in ("a > b", "a < b"):
        raise ValueError(f"direction must be 'a > b' or 'a < b', got {direction!r}")
    if p_equiv < alpha:
        return f"equivalent within ±{margin:g}"
    if p < alpha:
        return direction
    return "inconclusive"
