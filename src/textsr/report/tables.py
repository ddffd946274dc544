"""The study's tables from the per-job evaluation JSON files (deterministic CSV: fixed decimals, given order)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from textsr.util.atomic import atomic_path

DETECTION_COLUMNS = ["dataset", "protocol", "detector", "scale", "degradation", "condition", "method", "trainset",
                     "train_degradation", "seed", "precision", "recall", "hmean", "n_images", "n_gt", "n_det"]
SR_COLUMNS = ["dataset", "scale", "degradation", "condition", "method", "trainset", "train_degradation", "seed",
              "psnr_y", "ssim_y", "n_images"]
#: the key columns every row carries from the plan (`textsr.study.plan.Condition.columns`): degradation of the test
#: images (`none` for hr), and that of the training images (empty for untrained conditions)
CONDITION_COLUMNS = ("condition", "method", "trainset", "seed", "degradation", "train_degradation")


def _load(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _write_csv(out_csv: str | Path, columns: list[str], rows: list[dict]) -> None:
    with atomic_path(out_csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _key_columns(key: dict) -> dict:
    """The condition columns of a row key (`textsr.study.plan.Condition.columns`)."""
    missing = [k for k in CONDITION_COLUMNS if k not in key]
    if missing:
        raise KeyError(f"row key {key} lacks {missing}")
    return {k: key[k] for k in CONDITION_COLUMNS}


def detection_rows(eval_jsons: list[str | Path], keys: list[dict]) -> list[dict]:
    """One table row per evaluation JSON; `keys[i]` holds dataset, protocol, detector, scale and the condition
    columns (CONDITION_COLUMNS) of `eval_jsons[i]`.

    precision, recall, hmean are fractions in [0, 1] written with 4 decimals; n_gt / n_det count the
    care (not don't-care) ground truths and detections as the protocol does.
    """
    if len(eval_jsons) != len(keys):
        raise ValueError(f"{len(eval_jsons)} evaluation files but {len(keys)} row keys")
    rows = []
    for path, key in zip(eval_jsons, keys):
        result = _load(path)
        rows.append({
            "dataset": key["dataset"], "protocol": key["protocol"], "detector": key.get("detector", ""),
            "scale": key["scale"], **_key_columns(key),
            **{k: f"{float(result[k]):.4f}" for k in ("precision", "recall", "hmean")},
            **{k: int(result[k]) for k in ("n_images", "n_gt", "n_det")},
        })
    return rows


def write_detection_table(eval_jsons: list[str | Path], keys: list[dict], out_csv: str | Path) -> list[dict]:
    """`results/detection_table.csv`: columns DETECTION_COLUMNS, rows in the order given."""
    rows = detection_rows(eval_jsons, keys)
    _write_csv(out_csv, DETECTION_COLUMNS, rows)
    return rows


def write_sr_table(metric_jsons: list[str | Path], keys: list[dict], out_csv: str | Path) -> list[dict]:
    """`results/sr_table.csv`: mean Y-PSNR (dB, 3 decimals) and Y-SSIM (4 decimals) per SR condition and seed."""
    if len(metric_jsons) != len(keys):
        raise ValueError(f"{len(metric_jsons)} metric files but {len(keys)} row keys")
    rows = []
    for path, key in zip(metric_jsons, keys):
        m = _load(path)
        rows.append({"dataset": key["dataset"], "scale": key["scale"], **_key_columns(key),
                     "psnr_y": f"{float(m['psnr_y']):.3f}", "ssim_y": f"{float(m['ssim_y']):.4f}",
                     "n_images": int(m["n_images"])})
    _write_csv(out_csv, SR_COLUMNS, rows)
    return rows
