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

from textsr.util.atomic import atomic_path
from textsr.evaluation import get_protocol
from textsr.evaluation.bootstrap import comparison_rng, holm, paired_bootstrap_two_stage, paired_counts, verdict
from textsr.evaluation.strata import HEIGHT_BINS, recall_by_height

#: role (primary / secondary / sanity), seeds (training-seed pairs; 0: neither condition trained), seed_diffs
#: ("seed:H_a - H_b" per pair, full set), diff and its 1 - alpha two-stage interval, half_width, mde (80 % power),
#: the 1 - 2 alpha interval (equivalence), the image-only interval, bootstrap p-values and their Holm adjustment
COMPARISON_COLUMNS = ["dataset", "protocol", "detector", "scale", "degradation", "role", "condition_a", "condition_b",
                      "seeds", "seed_diffs", "hmean_a", "hmean_b", "diff", "ci_low", "ci_high", "half_width", "mde",
                      "ci90_low", "ci90_high", "img_ci_low", "img_ci_high", "p", "p_equiv", "p_holm",
                      "p_equiv_holm", "n_images", "n_resamples", "verdict"]
DETECTION_KEY = ["dataset", "protocol", "detector", "scale", "degradation", "condition"]
#: an SR table row's key but its seed: a summary row takes the PSNR / SSIM of its (dataset, scale, degradation,
#: condition)
SR_KEY = ["dataset", "scale", "degradation", "condition"]
SUMMARY_COLUMNS = DETECTION_KEY + ["method", "trainset", "train_degradation", "n_seeds", "precision_mean",
                                   "precision_sd", "recall_mean", "recall_sd", "hmean_mean", "hmean_sd", "psnr_y_mean",
                                   "psnr_y_sd", "ssim_y_mean", "ssim_y_sd"]
STRATA_COLUMNS = ["dataset", "protocol", "detector", "scale", "degradation", "condition", "method", "trainset", "seed",
                  "bin", "n_gt", "n_matched", "recall"]
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


def _groups(evals: Sequence[Mapping]) -> dict[tuple[str, str, str, str], dict[str, dict[str, Mapping]]]:
    """{(dataset, detector, scale, degradation): {condition: {seed: eval}}}, `hr` (scale 1, no degradation) joined
    to every (scale, degradation) of its set."""
    groups: dict[tuple[str, str, str, str], dict[str, dict[str, Mapping]]] = {}
    cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for e in evals:
        if e["condition"] != "hr":
            cell = (str(e["scale"]), str(e["degradation"]))
            known = cells.setdefault((e["dataset"], e["detector"]), [])
            if cell not in known:
                known.append(cell)
    for e in evals:
        own = [(str(e["scale"]), str(e["degradation"]))]
        targets = cells.get((e["dataset"], e["detector"]), own) if e["condition"] == "hr" else own
        for scale, degradation in targets:
            key = (e["dataset"], e["detector"], scale, degradation)
            runs = groups.setdefault(key, {}).setdefault(e["condition"], {})
            seed = str(e["seed"])
            if seed in runs:
                raise ValueError(f"two evaluations of {e['condition']} seed {seed!r} on {e['dataset']} x{scale} "
                                 f"{degradation}: {runs[seed]['path']} and {e['path']}")
            runs[seed] = e
    return groups


#: conditions a comparison against which is a sanity check (labelled, not adjusted, not a finding)
SANITY = ("bicubic", "hr")


def _matches(label: str, name: str) -> bool:
    """A config name (method or baseline) names a table condition: 'rcan_dat' names 'rcan_dat@synth'."""
    return label == name or label.partition("@")[0] == name


def _ordered_pairs(conds: Iterable[str], pairs: Sequence[tuple[str, str]],
                   primary: Sequence[str] | None) -> list[tuple[str, str, str]]:
    """(condition_a, condition_b, role) of one (dataset, detector, scale): the primary pair(s) first, named as in
    the config (a method pair per training set; `pairs` may hold it reversed), then the other pairs present,
    role 'sanity' when either side is bicubic or hr, else 'secondary'."""
    conds = list(conds)
    out = []
    if primary:
        for ca in (c for c in conds if _matches(c, primary[0])):
            for cb in (c for c in conds if _matches(c, primary[1]) and c != ca):
                ta, tb = ca.partition("@")[2], cb.partition("@")[2]
                if ta == tb or not ta or not tb:
                    out.append((ca, cb, "primary"))
    done = {frozenset(p[:2]) for p in out}
    for ca, cb in pairs:
        if ca in conds and cb in conds and frozenset((ca, cb)) not in done:
            done.add(frozenset((ca, cb)))
            out.append((ca, cb, "sanity" if {ca, cb} & set(SANITY) else "secondary"))
    return out


def _compare(key: tuple[str, str, str, str, str], cond_a: str, cond_b: str, runs_a: Mapping, runs_b: Mapping,
             cache: dict, **boot) -> dict:
    """One comparison row (floats, not yet formatted) of conditions a and b at key (dataset, protocol, detector,
    scale, degradation); its RNG stream follows from key and the two names (`comparison_rng`)."""
    dataset, protocol, detector, scale, degradation = key
    counts, stems0, seeds = [], None, []
    for row_seed, s_a, s_b in seed_pairs(runs_a, runs_b):
        stems, ca, cb = paired_counts(_load(runs_a[s_a]["path"], cache), _load(runs_b[s_b]["path"], cache))
        if stems0 is not None and stems != stems0:
            raise ValueError(f"{dataset} x{scale}: seed {row_seed} of {cond_a} / {cond_b} is on other images "
                             f"({runs_a[s_a]['path']}, {runs_b[s_b]['path']})")
        stems0 = stems
        counts.append((ca, cb))
        seeds.append(row_seed)
    seed = boot.pop("seed")
    b = paired_bootstrap_two_stage(counts, seed=comparison_rng(seed, *key, cond_a, cond_b), **boot)
    n_seeds = 0 if seeds == [""] else len(seeds)  # 0: neither condition is trained, no seed variance to resample
    return {**b, "dataset": dataset, "protocol": protocol, "detector": detector, "scale": scale,
            "degradation": degradation, "condition_a": cond_a, "condition_b": cond_b, "seeds": n_seeds,
            "seed_diffs": " ".join(f"{s}:{d:.4f}" for s, d in zip(seeds, b["seed_diffs"]) if s)}


def _decide(rows: list[dict], alpha: float, margin: float) -> None:
    """Set p_holm, p_equiv_holm and verdict of every row: Holm (with the at-most-one-null-per-row restriction,
    `holm`) over the primary rows and, apart, over the secondary rows; sanity rows unadjusted; a row of one
    training seed gets no verdict."""
    for r in rows:
        r["p_holm"] = r["p_equiv_holm"] = None
    for role in ("primary", "secondary"):
        family = [r for r in rows if r["role"] == role and r["seeds"] != 1]
        adjusted = holm([r["p"] for r in family] + [r["p_equiv"] for r in family], max_true=len(family))
        for r, p, pe in zip(family, adjusted[: len(family)], adjusted[len(family):]):
            r["p_holm"], r["p_equiv_holm"] = p, pe
    for r in rows:
        if r["seeds"] == 1:
            r["verdict"] = "none (seeds=1)"
            continue
        p, pe = (r["p"], r["p_equiv"]) if r["role"] == "sanity" else (r["p_holm"], r["p_equiv_holm"])
        r["verdict"] = verdict(p, pe, r["direction"], alpha=alpha, margin=margin)


def comparison_rows(
    evals: Sequence[Mapping], pairs: Sequence[tuple[str, str]], *, n_resamples: int = 10000, seed: int = 0,
    alpha: float = 0.05, margin: float = 0.03, primary: Sequence[str] | None = None,
) -> list[dict]:
    """Rows of `results/comparisons.csv` (COMPARISON_COLUMNS), one per (dataset, detector, scale) and pair.

    pairs: (condition_a, condition_b) labels (`Plan.comparison_pairs`); primary: the config's named primary
    comparison [a, b] (method or baseline names), computed as named wherever both are evaluated, first in its
    group (ValueError when it is nowhere). Per row: the two-stage paired bootstrap
    (`textsr.evaluation.bootstrap.paired_bootstrap_two_stage`, its own RNG stream from `seed` and the row's
    names), seeds (training-seed pairs; 0 when neither condition is trained), per-seed differences, the 1 - alpha
    interval, its half-width, the minimum detectable effect (80 % power), the 1 - 2 alpha interval (equivalence
    within ±margin), the image-only interval, bootstrap p-values, their Holm adjustment and the verdict
    (`_decide`). Fractions with 4 decimals.
    """
    if primary is not None and len(primary) != 2:
        raise ValueError(f"comparisons.primary must name two conditions, got {primary!r}")
    cache: dict = {}
    rows = []
    for (dataset, detector, scale, degradation), conds in _groups(evals).items():
        for cond_a, cond_b, role in _ordered_pairs(conds, pairs, primary):
            runs_a, runs_b = conds[cond_a], conds[cond_b]
            protocol = get_protocol(next(iter(runs_a.values()))["protocol"]).name
            row = _compare((dataset, protocol, detector, scale, degradation), cond_a, cond_b, runs_a, runs_b, cache,
                           n_resamples=n_resamples, seed=seed, alpha=alpha, margin=margin)
            rows.append({**row, "role": role})
    if primary and not any(r["role"] == "primary" for r in rows):
        raise ValueError(f"comparisons.primary {list(primary)}: no test set has evaluations of both")
    _decide(rows, alpha, margin)
    return [_format(r) for r in rows]


def _format(row: dict) -> dict:
    out = {k: row[k] for k in COMPARISON_COLUMNS}
    for k in ("hmean_a", "hmean_b", "diff", "ci_low", "ci_high", "half_width", "mde", "ci90_low", "ci90_high",
              "img_ci_low", "img_ci_high", "p", "p_equiv", "p_holm", "p_equiv_holm"):
        out[k] = "" if row[k] is None else f"{row[k]:.4f}"
    return out


def write_comparisons(
    evals: Sequence[Mapping], pairs: Sequence[tuple[str, str]], out_csv: str | Path, *, n_resamples: int = 10000,
    seed: int = 0, alpha: float = 0.05, margin: float = 0.03, primary: Sequence[str] | None = None,
) -> list[dict]:
    """`results/comparisons.csv`: the two-stage paired bootstrap of the H-mean difference of every pair, with
    half-width, minimum detectable effect, Holm-adjusted p-values and verdict (see `comparison_rows`)."""
    rows = comparison_rows(evals, pairs, n_resamples=n_resamples, seed=seed, alpha=alpha, margin=margin,
                           primary=primary)
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
    """Rows of `results/summary_table.csv` (SUMMARY_COLUMNS), one per DETECTION_KEY (dataset, protocol, detector,
    scale, degradation, condition) in order of first appearance: n_seeds (detection rows) and mean / sd over seeds of
    precision, recall, hmean and, where the SR table has its SR_KEY (dataset, scale, degradation, condition), of
    psnr_y and ssim_y."""
    groups: dict[tuple, list[Mapping]] = {}
    for r in detection_rows:
        key = tuple(str(r[k]) for k in DETECTION_KEY)
        runs = groups.setdefault(key, [])
        if any(str(x["seed"]) == str(r["seed"]) for x in runs):
            raise ValueError(f"detection table: two rows for {', '.join(key)} seed {r['seed']!r}")
        runs.append(r)
    sr: dict[tuple, list[Mapping]] = {}
    for r in sr_rows:
        runs = sr.setdefault(tuple(str(r[k]) for k in SR_KEY), [])
        if any(str(x["seed"]) == str(r["seed"]) for x in runs):
            raise ValueError(f"SR table: two rows for {r['dataset']} x{r['scale']} {r['degradation']} {r['condition']} "
                             f"seed {r['seed']!r}")
        runs.append(r)
    out = []
    for key, runs in groups.items():
        row = dict(zip(DETECTION_KEY, key))
        row.update(method=runs[0]["method"], trainset=runs[0]["trainset"],
                   train_degradation=runs[0]["train_degradation"], n_seeds=len(runs))
        for m in ("precision", "recall", "hmean"):
            row[f"{m}_mean"], row[f"{m}_sd"] = _mean_sd([float(r[m]) for r in runs], DECIMALS[m])
        sr_runs = sr.get(tuple(row[k] for k in SR_KEY), [])
        for m in ("psnr_y", "ssim_y"):
            row[f"{m}_mean"], row[f"{m}_sd"] = _mean_sd([float(r[m]) for r in sr_runs], DECIMALS[m])
        out.append(row)
    return out


def write_summary_table(detection_csv: str | Path, sr_csv: str | Path, out_csv: str | Path) -> list[dict]:
    """`results/summary_table.csv` from `results/detection_table.csv` (columns dataset, protocol, detector, scale,
    degradation, condition, method, trainset, train_degradation, seed, precision, recall, hmean, ...) and
    `results/sr_table.csv` (dataset, scale, degradation, condition, ..., seed, psnr_y, ssim_y, ...): mean +- sd over
    seeds (see `summary_rows`); returns the rows."""
    det = _read_csv(detection_csv, DETECTION_KEY + ["method", "trainset", "train_degradation", "seed", "precision",
                                                    "recall", "hmean"])
    sr = _read_csv(sr_csv, SR_KEY + ["seed", "psnr_y", "ssim_y"])
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
            rows.append({**{k: e[k] for k in STRATA_COLUMNS[:9]}, "bin": b["bin"], "n_gt": b["n_gt"],
                         "n_matched": b["n_matched"], "recall": "" if b["recall"] is None else f"{b['recall']:.4f}"})
    return rows


def write_strata_table(evals: Sequence[Mapping], out_csv: str | Path, bins: Sequence[float] = HEIGHT_BINS) -> list[dict]:
    """`results/strata_table.csv`: recall by GT text height per evaluation (see `strata_rows`); returns the rows."""
    rows = strata_rows(evals, bins)
    _write_csv(out_csv, STRATA_COLUMNS, rows)
    return rows
