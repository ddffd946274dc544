"""Paired percentile bootstrap over test images of the difference of two conditions' dataset-level H-mean.

Every protocol's dataset-level result is a ratio of sums over images (reference/evaluation.md):
P = sum(precision numerator) / sum(precision denominator), R = sum(recall numerator) / sum(recall denominator),
each 0 when its denominator is 0, H = 2PR / (P + R) (0 when P + R = 0). The four sums are read from the
per-image records of the evaluation JSON (`Protocol.per_image_sums`): matched / care detections / matched / care
GT for the IoU protocols (CTW1500: TP / (TP + FP) / TP / GT), precision credit / care detections / recall
credit / care GT for DetEval (icdar2013, icdar2013-wolf, totaltext). An image Total-Text's scorer leaves out
(no detection file, `skipped_images`) is a zero row: it adds nothing to any sum, as there.

The bootstrap resamples the test images with replacement (the same images for both conditions: the comparison
is paired), recomputes each condition's dataset-level H from the resampled sums and takes the percentiles of the
difference (numpy's default linear interpolation between order statistics). It measures the uncertainty due to
the sample of test images only, not the spread of training runs: with several training seeds, the seed-averaged
difference is resampled with one image resample applied to every seed pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def resample_weights(n_images: int, n_resamples: int, seed: int):
    """Yield blocks of (<= BLOCK, n_images) float64 multiplicities: row b counts how often each image is drawn in
    resample b (n_images draws with replacement, numpy Generator seeded with `seed`)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n_resamples, BLOCK):
        m = min(BLOCK, n_resamples - start)
        idx = rng.integers(0, n_images, size=(m, n_images))
        flat = (idx + n_images * np.arange(m)[:, None]).ravel()  # resample b's draws in bins b n .. b n + n - 1
        yield np.bincount(flat, minlength=m * n_images).reshape(m, n_images).astype(np.float64)


def paired_bootstrap_seeds(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], *, n_resamples: int = 10000, seed: int = 0, level: float = 0.95
) -> dict:
    """Percentile bootstrap of the seed-averaged H-mean difference mean_s(H_a,s - H_b,s) over test images.

    pairs: one (counts_a, counts_b) per seed pair, each (n_images, 4) with rows for the same images in the same
    order. Every resample applies one draw of images to every seed pair.
    Returns hmean_a, hmean_b (means over seed pairs on the full set), diff (their difference), ci_low,
    ci_high (the (1 - level)/2 and (1 + level)/2 percentiles), n_images, n_resamples, n_seeds.
    """
    if not pairs:
        raise ValueError("no seed pairs to compare")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    a = np.stack([_check(ca) for ca, _ in pairs])  # (S, n, 4)
    b = np.stack([_check(cb) for _, cb in pairs])
    if a.shape != b.shape:
        raise ValueError(f"counts of a {a.shape[1:]} and b {b.shape[1:]} differ in shape (not the same images?)")
    n = a.shape[1]
    if n == 0:
        raise ValueError("no images to resample")
    h_a = np.mean([dataset_scores(x)[2] for x in a])
    h_b = np.mean([dataset_scores(x)[2] for x in b])
    n_seeds = a.shape[0]
    # (n, 2 S 4): a's and b's counts of every seed pair side by side, one product per block of resamples. einsum,
    # not BLAS: the same sums (summation order) on every machine and thread count, and no thread contention.
    stacked = np.ascontiguousarray(np.concatenate([a, b]).transpose(1, 0, 2).reshape(n, 2 * n_seeds * 4))
    diffs = np.empty(n_resamples, dtype=np.float64)
    done = 0
    for w in resample_weights(n, n_resamples, seed):
        sums = np.einsum("rn,nk->rk", w, stacked).reshape(len(w), 2, n_seeds, 4)  # resampled sums
        diffs[done : done + len(w)] = (hmean_from_sums(sums[:, 0]) - hmean_from_sums(sums[:, 1])).mean(axis=1)
        done += len(w)
    lo, hi = np.quantile(diffs, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return {"hmean_a": float(h_a), "hmean_b": float(h_b), "diff": float(h_a - h_b), "ci_low": float(lo),
            "ci_high": float(hi), "n_images": int(n), "n_resamples": int(n_resamples), "n_seeds": len(pairs)}


def paired_bootstrap(
    counts_a: np.ndarray, counts_b: np.ndarray, *, n_resamples: int = 10000, seed: int = 0, level: float = 0.95
) -> dict:
    """Paired percentile bootstrap of H_a - H_b over test images (one seed pair; see `paired_bootstrap_seeds`).

    counts_a, counts_b: (n_images, 4) `image_counts` rows of the same images in the same order.
    Returns hmean_a, hmean_b, diff (a - b on the full set), ci_low, ci_high, n_images, n_resamples.
    """
    out = paired_bootstrap_seeds([(counts_a, counts_b)], n_resamples=n_resamples, seed=seed, level=level)
    del out["n_seeds"]
    return out


def verdict(ci_low: float, ci_high: float) -> str:
    """"a > b" when the interval lies above 0, "a < b" when below, else "no difference detectable"."""
    if ci_low > 0:
        return "a > b"
    if ci_high < 0:
        return "a < b"
    return "no difference detectable"
