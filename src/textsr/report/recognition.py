"""Reading, not only finding: `results/recognition_table.csv` and the figure of word accuracy beside H-mean."""

from __future__ import annotations

import csv
import json
import os
import statistics
from collections.abc import Sequence
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from textsr.util.atomic import atomic_path
from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, condition_colours, condition_labels, new_figure, paper_style, read_csv, save_figure,
    scale_label, unique,
)

RECOGNITION_COLUMNS = ["dataset", "scale", "condition", "method", "trainset", "seed", "n_words", "accuracy",
                       "e2e_hmean"]
KEY_COLUMNS = ["dataset", "scale", "condition", "method", "trainset", "seed"]

BAR_IN = 0.13  # in: height of one bar slot
PANEL_EXTRA_IN = 0.32  # in: title and padding of one panel row
SEED_MARKER = {"marker": "o", "markersize": 1.8, "markerfacecolor": "black", "markeredgecolor": "none",
               "linestyle": "none"}
E2E_MARKER = {"marker": "D", "markersize": 3.0, "markerfacecolor": "black", "markeredgecolor": "white",
              "markeredgewidth": 0.5, "linestyle": "none"}
SEED_OFFSET = -0.24  # seed dots sit this far above a bar's centre (bar slots; the y axis is inverted)


def _fraction(value) -> str:
    return "" if value is None else f"{float(value):.4f}"


def write_recognition_table(
    jsons: Sequence[str | os.PathLike],
    keys: Sequence[dict],
    out_csv: str | os.PathLike,
    *,
    averages: dict[str, Sequence[str]] | None = None,
) -> list[dict]:
    """`results/recognition_table.csv`: one row per recognition JSON, columns RECOGNITION_COLUMNS.

    keys[i]: dataset, scale, condition, method, trainset, seed of jsons[i] (written as given). accuracy and
    e2e_hmean are fractions with 4 decimals, empty where not measured (no scorable word; no detection JSON).
    averages: {name: [datasets]} adds, after the rows, one row `dataset=name` per (scale, condition, seed) that
    every listed dataset has: n_words summed, accuracy = sum(n_correct) / sum(n_words) (weighted by words, i.e.
    by split size for TextZoom easy/medium/hard), e2e_hmean empty. Returns the rows written.
    """
    if len(jsons) != len(keys):
        raise ValueError(f"{len(jsons)} recognition files but {len(keys)} row keys")
    rows, counts = [], []
    for path, key in zip(jsons, keys):
        missing = [k for k in KEY_COLUMNS if k not in key]
        if missing:
            raise ValueError(f"row key for {path} lacks {missing}")
        with open(path, encoding="utf-8") as fh:
            result = json.load(fh)
        try:
            n_words, n_correct = int(result["n_words"]), int(result["n_correct"])
        except KeyError as exc:
            raise ValueError(f"{path}: not a recognition result (no {exc.args[0]!r})") from None
        rows.append({**{k: key[k] for k in KEY_COLUMNS}, "n_words": n_words,
                     "accuracy": _fraction(result.get("accuracy")), "e2e_hmean": _fraction(result.get("e2e_hmean"))})
        counts.append((n_words, n_correct))
    for name, datasets in (averages or {}).items():
        groups: dict[tuple, dict[str, int]] = {}
        for i, row in enumerate(rows):
            if row["dataset"] in datasets:
                groups.setdefault((str(row["scale"]), row["condition"], str(row["seed"])), {})[row["dataset"]] = i
        for members in groups.values():
            if set(members) != set(datasets):
                continue
            n_words = sum(counts[i][0] for i in members.values())
            n_correct = sum(counts[i][1] for i in members.values())
            first = rows[next(iter(members.values()))]
            rows.append({**{k: first[k] for k in KEY_COLUMNS}, "dataset": name, "n_words": n_words,
                         "accuracy": _fraction(n_correct / n_words if n_words else None), "e2e_hmean": ""})
    with atomic_path(Path(out_csv)) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RECOGNITION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _panel_runs(rows: Sequence[dict], value: str, scales_of: dict[str, list[int]]) -> dict[tuple, list[float]]:
    """{(dataset, scale, condition): [value in % per run (seed)]}; `hr` (scale 1) goes to every scale of its set."""
    runs: dict[tuple, list[float]] = {}
    for r in rows:
        if r.get(value, "") in ("", None):
            continue
        targets = scales_of.get(r["dataset"], [1]) if r["condition"] == "hr" else [int(r["scale"])]
        for s in targets:
            runs.setdefault((r["dataset"], s, r["condition"]), []).append(100.0 * float(r[value]))
    return runs


def recognition_panels(recognition_rows: Sequence[dict], detection_rows: Sequence[dict],
                       detector: str | None = None) -> tuple[list[tuple[str, int]], list[str], dict[str, dict]]:
    """Tables -> (panels [(dataset, scale)], conditions, {"accuracy" | "hmean" | "e2e": {(dataset, scale,
    condition): [% per run]}}).

    Panels: every (test set, scale) of the recognition table, `hr` repeated in each scale's panel (a set with
    only `hr` gets scale 1). Detection rows are those of `detector`, or of the first detector each test set has
    in the table (the column is optional: a table without it has one detector).
    """
    scales_of: dict[str, list[int]] = {}
    for r in recognition_rows:
        if r["condition"] != "hr":
            scales_of.setdefault(r["dataset"], [])
            if int(r["scale"]) not in scales_of[r["dataset"]]:
                scales_of[r["dataset"]].append(int(r["scale"]))
    panels = unique((r["dataset"], s) for r in recognition_rows
                    for s in (scales_of.get(r["dataset"], [1]) if r["condition"] == "hr" else [int(r["scale"])]))
    conditions = unique(r["condition"] for r in recognition_rows)
    first_detector: dict[str, str] = {}
    for r in detection_rows:
        first_detector.setdefault(r["dataset"], r.get("detector", ""))
    det = [r for r in detection_rows
           if r.get("detector", "") == (detector if detector is not None else first_detector[r["dataset"]])]
    values = {"accuracy": _panel_runs(recognition_rows, "accuracy", scales_of),
              "e2e": _panel_runs(recognition_rows, "e2e_hmean", scales_of),
              "hmean": _panel_runs(det, "hmean", scales_of)}
    return panels, conditions, values


def plot_recognition(
    recognition_csv: str | os.PathLike,
    detection_csv: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    *,
    detector: str | None = None,
) -> None:
    """Word accuracy (left) beside detection H-mean (right), one row of panels per (test set, scale), one bar per
    condition.

    Bars: means over training seeds (%); small black dots: each seed, for conditions with 2+ seeds; black diamond
    on the H-mean bar: end-to-end word-spotting H-mean (a detection that is also read correctly), mean over
    seeds. A test set without detection rows (TextZoom's word crops) has an empty right panel. Values are
    printed right of each bar. Width COLUMN_WIDTH; height grows with panels and conditions.
    """
    rec_rows = read_csv(recognition_csv)
    if not rec_rows:
        raise ValueError(f"{recognition_csv}: no rows")
    panels, conditions, values = recognition_panels(rec_rows, read_csv(detection_csv), detector)
    colours = condition_colours(conditions)
    labels = condition_labels(conditions)
    height = len(panels) * (len(conditions) * BAR_IN + PANEL_EXTRA_IN) + 0.55
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, height)
        axes = fig.subplots(len(panels), 2, squeeze=False, sharex=True, sharey=True)
        for i, (dataset, scale) in enumerate(panels):
            for j, (name, title) in enumerate((("accuracy", "word accuracy"), ("hmean", "detection H-mean"))):
                ax = axes[i][j]
                to_text = blended_transform_factory(ax.transAxes, ax.transData)
                for y, cond in enumerate(conditions):
                    runs = values[name].get((dataset, scale, cond))
                    if not runs:
                        continue
                    mean = statistics.fmean(runs)
                    ax.barh(y, mean, height=0.78, color=colours[cond], edgecolor="none")
                    if len(runs) > 1:
                        ax.plot(runs, [y + SEED_OFFSET] * len(runs), clip_on=False, zorder=3, **SEED_MARKER)
                    e2e = values["e2e"].get((dataset, scale, cond)) if name == "hmean" else None
                    if e2e:
                        ax.plot([statistics.fmean(e2e)], [y], clip_on=False, zorder=3, **E2E_MARKER)
                    ax.text(1.03, y, f"{mean:.1f}", transform=to_text, va="center", ha="left", fontsize=SMALL_PT,
                            clip_on=False)
                if not any(values[name].get((dataset, scale, c)) for c in conditions):
                    ax.text(0.5, 0.5, "no detection results" if name == "hmean" else "no scorable words",
                            transform=ax.transAxes, ha="center", va="center", fontsize=SMALL_PT, color="#666666")
                ax.set_title(f"{dataset}, {scale_label(scale)}: {title}" if j == 0 else title, loc="left", pad=2,
                             fontsize=SMALL_PT)
                ax.set_xlim(0, 102)
                ax.set_ylim(len(conditions) - 0.5, -0.5)
                ax.set_yticks(range(len(conditions)), [labels[c] for c in conditions])
                ax.tick_params(axis="y", length=0)
                ax.set_xticks([0, 50, 100])
                ax.grid(axis="x", linewidth=0.4, color="#DDDDDD")
                ax.set_axisbelow(True)
        fig.supxlabel("%", fontsize=SMALL_PT)
        handles = [Patch(color="#999999", label="mean over seeds"),
                   Line2D([], [], label="each seed", **SEED_MARKER),
                   Line2D([], [], label="end-to-end H-mean", **E2E_MARKER)]
        fig.legend(handles=handles, loc="outside upper center", ncol=3, handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
