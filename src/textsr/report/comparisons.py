"""Tables that compare conditions: paired-bootstrap differences (`results/comparisons.csv`), mean +- sd over
training seeds (`results/summary_table.csv`) and recall by text height (`results/strata_table.csv`).

Every function takes the evaluation JSON files (or the CSV tables built from them) and writes a deterministic
CSV: rows in the order given, fixed decimals, atomic. An evaluation is described by a dict
{dataset, protocol, detector, scale, condition, method, trainset, seed, path}: `seed` is '' for conditions that
are not trained (hr, lr, bicubic, rcan-official); `hr` is detected once and listed with scale 1.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from textsr.atomic import atomic_path
from textsr.evaluation import get_protocol
from textsr.evaluation.bootstrap import paired_bootstrap, paired_bootstrap_seeds, paired_counts, verdict
from textsr.evaluation.strata import HEIGHT_BINS, recall_by_height

COMPARISON_COLUMNS = ["dataset", "protocol", "detector", "scale", "condition_a", "condition_b", "seed", "hmean_a",
                      "hmean_b", "diff", "ci_low", "ci_high", "n_images", "n_resamples", "verdict"]
DETECTION_KEY = ["dataset", "protocol", "detector", "scale", "condition"]
SUMMARY_COLUMNS = DETECTION_KEY + ["method", "trainset", "n_seeds", "precision_mean", "precision_sd", "recall_mean",
                                   "recall_sd", "hmean_mean", "hmean_sd", "psnr_y_mean", "psnr_y_sd", "ssim_y_mean",
                                   "ssim_y_sd"]
STRATA_COLUMNS = ["dataset", "protocol", "detector", "scale", "condition", "method", "trainset", "seed", "bin",
                  "n_gt", "n_matched", "recall"]
#: decimals of each measure in the tables (fractions 4, dB 3)
DECIMALS = {"precision": 4, "recall": 4, "hmean": 4, "psnr_y": 3, "ssim_y": 4}


def _write_csv(out_csv: str | Path, columns: list[str], rows: list[dict]) -> None:
    with atomic_path(out_csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path: str | Path, required: Sequence[str]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; header is {reader.fieldnames}")
        return list(reader)


def _seed_key(seed: str):
    return (0, int(seed), "") if seed.lstrip("-").isdigit() else (1, 0, seed)


def seed_pairs(seeds_a: Iterable[str], seeds_b: Iterable[str]) -> list[tuple[str, str, str]]:
    """Pair the runs of two conditions: [(row seed, seed of a, seed of b)].

    Both trained: equal seeds (ValueError when none is shared). One trained: each of its seeds against the other's
    single run (seed ''). Neither: one pair ('', '', '').
    """
    sa, sb = sorted(set(seeds_a), key=_seed_key), sorted(set(seeds_b), key=_seed_key)
    for seeds in (sa, sb):
        if "" in seeds and len(seeds) > 1:
            raise ValueError(f"a condition has both an untrained run (seed '') and seeded runs: {seeds}")
    if sa == [""] and sb == [""]:
        return [("", "", "")]
    if sb == [""]:
        return [(s, s, "") for s in sa]
    if sa == [""]:
        return [(s, "", s) for s in sb]
    common = [s for s in sa if s in set(sb)]
    if not common:
        raise ValueError(f"no seed in common between runs {sa} and {sb}")
    return [(s, s, s) for s in common]


def _load(path: str | Path, cache: dict) -> dict:
    key = str(path)
    if key not in cache:
        with open(path, encoding="utf-8") as fh:
            cache[key] = json.load(fh)
    return cache[key]


def _groups(evals: Sequence[Mapping]) -> dict[tuple[str, str, str], dict[str, dict[str, Mapping]]]:
    """{(dataset, detector, scale): {condition: {seed: eval}}}, `hr` (scale 1) joined to every scale of its set."""
    groups: dict[tuple[str, str, str], dict[str, dict[str, Mapping]]] = {}
    scales: dict[tuple[str, str], list[str]] = {}
    for e in evals:
        if e["condition"] != "hr":
            scales.setdefault((e["dataset"], e["detector"]), [])
            if str(e["scale"]) not in scales[(e["dataset"], e["detector"])]:
                scales[(e["dataset"], e["detector"])].append(str(e["scale"]))
    for e in evals:
        targets = scales.get((e["dataset"], e["detector"]), [str(e["scale"])]) if e["condition"] == "hr" else [str(e["scale"])]
        for scale in targets:
            runs = groups.setdefault((e["dataset"], e["detector"], scale), {}).setdefault(e["condition"], {})
            seed = str(e["seed"])
            if seed in runs:
                raise ValueError(f"two evaluations of {e['condition']} seed {seed!r} on {e['dataset']} x{scale}: "
                                 f"{runs[seed]['path']} and {e['path']}")
            runs[seed] = e
    return groups


def comparison_rows(
    evals: Sequence[Mapping], pairs: Sequence[tuple[str, str]], *, n_resamples: int = 10000, seed: int = 0,
    level: float = 0.95,
) -> list[dict]:
    """Rows of `results/comparisons.csv` (COMPARISON_COLUMNS): for each (dataset, detector, scale) and each pair
    (condition_a, condition_b) present there, one row per seed pair (`seed_pairs`) and, with 2+ seed pairs, a row
    with seed ``mean`` (the seed-averaged difference; one image resample for every seed pair). H-means,
    differences and interval ends are fractions with 4 decimals; verdict from the interval (`verdict`)."""
    cache: dict = {}
    rows = []
    for (dataset, detector, scale), conds in _groups(evals).items():
        for cond_a, cond_b in pairs:
            if cond_a not in conds or cond_b not in conds:
                continue
            runs_a, runs_b = conds[cond_a], conds[cond_b]
            protocol = get_protocol(next(iter(runs_a.values()))["protocol"]).name
            counts, stems0 = [], None
            for row_seed, s_a, s_b in seed_pairs(runs_a, runs_b):
                stems, ca, cb = paired_counts(_load(runs_a[s_a]["path"], cache), _load(runs_b[s_b]["path"], cache))
                if stems0 is not None and stems != stems0:
                    raise ValueError(f"{dataset} x{scale}: seed {row_seed} of {cond_a} / {cond_b} is on other images")
                stems0 = stems
                counts.append((row_seed, ca, cb))
            blocks = [(s, paired_bootstrap(ca, cb, n_resamples=n_resamples, seed=seed, level=level))
                      for s, ca, cb in counts]
            if len(counts) > 1:
                blocks.append(("mean", paired_bootstrap_seeds([(ca, cb) for _, ca, cb in counts],
                                                              n_resamples=n_resamples, seed=seed, level=level)))
            for row_seed, b in blocks:
                rows.append({
                    "dataset": dataset, "protocol": protocol, "detector": detector, "scale": scale,
                    "condition_a": cond_a, "condition_b": cond_b, "seed": row_seed,
                    **{k: f"{b[k]:.4f}" for k in ("hmean_a", "hmean_b", "diff", "ci_low", "ci_high")},
                    "n_images": b["n_images"], "n_resamples": b["n_resamples"],
                    "verdict": verdict(b["ci_low"], b["ci_high"]),
                })
    return rows


def write_comparisons(
    evals: Sequence[Mapping], pairs: Sequence[tuple[str, str]], out_csv: str | Path, *, n_resamples: int = 10000,
    seed: int = 0, level: float = 0.95,
) -> list[dict]:
    """`results/comparisons.csv`: the paired-bootstrap interval of the H-mean difference of every pair
    (see `comparison_rows`); returns the rows."""
    rows = comparison_rows(evals, pairs, n_resamples=n_resamples, seed=seed, level=level)
    _write_csv(out_csv, COMPARISON_COLUMNS, rows)
    return rows


def _mean_sd(values: list[float], decimals: int) -> tuple[str, str]:
    """(mean, sample sd with ddof 1) formatted; sd '' for one value, both '' for none."""
    if not values:
        return "", ""
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else math.nan
    return f"{mean:.{decimals}f}", ("" if math.isnan(sd) else f"{sd:.{decimals}f}")


def summary_rows(detection_rows: Sequence[Mapping], sr_rows: Sequence[Mapping]) -> list[dict]:
    """Rows of `results/summary_table.csv` (SUMMARY_COLUMNS), one per (dataset, protocol, detector, scale,
    condition) in order of first appearance: n_seeds (detection rows) and mean / sd over seeds of precision,
    recall, hmean and, where the SR table has (dataset, scale, condition), of psnr_y and ssim_y."""
    groups: dict[tuple, list[Mapping]] = {}
    for r in detection_rows:
        key = tuple(str(r[k]) for k in DETECTION_KEY)
        runs = groups.setdefault(key, [])
        if any(str(x["seed"]) == str(r["seed"]) for x in runs):
            raise ValueError(f"detection table: two rows for {', '.join(key)} seed {r['seed']!r}")
        runs.append(r)
    sr: dict[tuple, list[Mapping]] = {}
    for r in sr_rows:
        runs = sr.setdefault((str(r["dataset"]), str(r["scale"]), str(r["condition"])), [])
        if any(str(x["seed"]) == str(r["seed"]) for x in runs):
            raise ValueError(f"SR table: two rows for {r['dataset']} x{r['scale']} {r['condition']} seed {r['seed']!r}")
        runs.append(r)
    out = []
    for key, runs in groups.items():
        row = dict(zip(DETECTION_KEY, key))
        row.update(method=runs[0]["method"], trainset=runs[0]["trainset"], n_seeds=len(runs))
        for m in ("precision", "recall", "hmean"):
            row[f"{m}_mean"], row[f"{m}_sd"] = _mean_sd([float(r[m]) for r in runs], DECIMALS[m])
        sr_runs = sr.get((row["dataset"], row["scale"], row["condition"]), [])
        for m in ("psnr_y", "ssim_y"):
            row[f"{m}_mean"], row[f"{m}_sd"] = _mean_sd([float(r[m]) for r in sr_runs], DECIMALS[m])
        out.append(row)
    return out


def write_summary_table(detection_csv: str | Path, sr_csv: str | Path, out_csv: str | Path) -> list[dict]:
    """`results/summary_table.csv` from `results/detection_table.csv` (columns dataset, protocol, detector, scale,
    condition, method, trainset, seed, precision, recall, hmean, ...) and `results/sr_table.csv` (dataset, scale,
    condition, ..., seed, psnr_y, ssim_y, ...): mean +- sd over seeds (see `summary_rows`); returns the rows."""
    det = _read_csv(detection_csv, DETECTION_KEY + ["method", "trainset", "seed", "precision", "recall", "hmean"])
    sr = _read_csv(sr_csv, ["dataset", "scale", "condition", "seed", "psnr_y", "ssim_y"])
    rows = summary_rows(det, sr)
    _write_csv(out_csv, SUMMARY_COLUMNS, rows)
    return rows


def strata_rows(evals: Sequence[Mapping], bins: Sequence[float] = HEIGHT_BINS) -> list[dict]:
    """Rows of `results/strata_table.csv` (STRATA_COLUMNS): per evaluation, in order, one row per height bin
    (`textsr.evaluation.strata.recall_by_height`); recall with 4 decimals, '' for a bin without GT."""
    cache: dict = {}
    rows = []
    for e in evals:
        result = _load(e["path"], cache)
        if get_protocol(result["protocol"]).name != get_protocol(e["protocol"]).name:
            raise ValueError(f"{e['path']}: evaluated with {result['protocol']}, listed as {e['protocol']}")
        for b in recall_by_height(result["per_image"], result["protocol"], bins):
            rows.append({**{k: e[k] for k in STRATA_COLUMNS[:8]}, "bin": b["bin"], "n_gt": b["n_gt"],
                         "n_matched": b["n_matched"], "recall": "" if b["recall"] is None else f"{b['recall']:.4f}"})
    return rows


def write_strata_table(evals: Sequence[Mapping], out_csv: str | Path, bins: Sequence[float] = HEIGHT_BINS) -> list[dict]:
    """`results/strata_table.csv`: recall by GT text height per evaluation (see `strata_rows`); returns the rows."""
    rows = strata_rows(evals, bins)
    _write_csv(out_csv, STRATA_COLUMNS, rows)
    return rows
