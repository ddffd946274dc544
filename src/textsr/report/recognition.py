"""Reading, not only finding: `results/recognition_table.csv` (a row per condition and recognizer) and the figure
of word accuracy, per recognizer, beside H-mean."""

from __future__ import annotations

import csv
import json
import math
import os
import statistics
from collections.abc import Sequence
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from textsr.util.atomic import atomic_path
from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, by_panel, condition_colours, condition_labels, first_detectors, new_figure, paper_style,
    read_csv, save_figure, scale_label, unique,
)

#: `detector`: whose detections the end-to-end numbers score (word accuracy reads the ground-truth crops, the same
#: for every detector); empty for word sets
KEY_COLUMNS = ["dataset", "detector", "scale", "degradation", "condition", "method", "trainset", "train_degradation",
               "seed"]
RECOGNITION_COLUMNS = [*KEY_COLUMNS, "recognizer", "n_words", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
                       "char_accuracy", "e2e_hmean"]
#: two-sided 95 % normal quantile of the Wilson score interval
Z95 = 1.959963984540054

BAR_IN = 0.13  # in: height of one bar slot
PANEL_EXTRA_IN = 0.32  # in: title and padding of one panel row
SEED_MARKER = {"marker": "o", "markersize": 1.8, "markerfacecolor": "black", "markeredgecolor": "none",
               "linestyle": "none"}
E2E_MARKER = {"marker": "D", "markersize": 3.0, "markerfacecolor": "black", "markeredgecolor": "white",
              "markeredgewidth": 0.5, "linestyle": "none"}
E2E_SHAPES = ["D", "s", "^", "v", "P"]  # end-to-end marker of the 1st, 2nd, ... recognizer
SEED_OFFSET = -0.24  # seed dots sit this far above a bar's centre (bar slots; the y axis is inverted)


def _fraction(value) -> str:
    return "" if value is None else f"{float(value):.4f}"


def _recognizer(path, result: dict, key: dict) -> str:
    """The recognizer of one result: its JSON's `recognizer`, or the row key's; both given must agree."""
    recorded, named = result.get("recognizer"), key.get("recognizer")
    if recorded and named and recorded != named:
        raise ValueError(f"{path}: read by {recorded!r}, but its row key names recognizer {named!r}")
    if not (recorded or named):
        raise ValueError(f"{path}: no recognizer named, neither in the file nor in its row key")
    return recorded or named


def _read_result(path, key: dict) -> tuple[dict, tuple[int, int, float | None]]:
    """One recognition JSON -> (its table row, (n_words, n_correct, sum of per-word char accuracy or None))."""
    missing = [k for k in KEY_COLUMNS if k not in key]
    if missing:
        raise ValueError(f"row key for {path} lacks {missing}")
    with open(path, encoding="utf-8") as fh:
        result = json.load(fh)
    try:
        n_words, n_correct = int(result["n_words"]), int(result["n_correct"])
    except KeyError as exc:
        raise ValueError(f"{path}: not a recognition result (no {exc.args[0]!r})") from None
    char = result.get("char_accuracy")
    row = {**{k: key[k] for k in KEY_COLUMNS}, "recognizer": _recognizer(path, result, key), "n_words": n_words,
           "accuracy": _fraction(result.get("accuracy")), **_accuracy_interval(n_correct, n_words),
           "char_accuracy": _fraction(char), "e2e_hmean": _fraction(_e2e_hmean(path, result, key["detector"]))}
    return row, (n_words, n_correct, None if char is None else float(char) * n_words)


def wilson_interval(n_correct: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95 % Wilson score interval of a proportion n_correct / n (None for n = 0): the centre
    (k + z^2/2) / (n + z^2), half-width z sqrt(k (n - k) / n + z^2 / 4) / (n + z^2). wilson_interval(0, 10) =
    (0.0, 0.2775); wilson_interval(5, 10) = (0.2366, 0.7634)."""
    if n <= 0:
        return None
    centre = (n_correct + z * z / 2) / (n + z * z)
    half = z * math.sqrt(n_correct * (n - n_correct) / n + z * z / 4) / (n + z * z)
    return max(0.0, centre - half), min(1.0, centre + half)


def _accuracy_interval(n_correct: int, n_words: int) -> dict[str, str]:
    ci = wilson_interval(n_correct, n_words)
    return {"accuracy_ci_low": _fraction(ci and ci[0]), "accuracy_ci_high": _fraction(ci and ci[1])}


def _e2e_hmean(path, result: dict, detector: str) -> float | None:
    """The end-to-end H-mean of the row's detector: its block of the result's `e2e` (one per detector); a result
    without blocks, or a row without a detector, has the top-level one."""
    blocks = result.get("e2e")
    if not blocks or not detector:
        return result.get("e2e_hmean")
    if detector not in blocks:
        raise ValueError(f"{path}: no end-to-end result for detector {detector!r}; it has {sorted(blocks)}")
    return blocks[detector]["e2e_hmean"]


def _average_rows(rows: list[dict], counts: list[tuple], averages: dict[str, Sequence[str]]) -> list[dict]:
    """One row `dataset=name` per (detector, scale, degradation, condition, seed, recognizer) that every dataset of
    averages[name] has:
    n_words summed, accuracy and char_accuracy weighted by words (char_accuracy empty if a member lacks it)."""
    out = []
    for name, datasets in averages.items():
        groups: dict[tuple, dict[str, int]] = {}
        for i, row in enumerate(rows):
            if row["dataset"] in datasets:
                group = (row["detector"], str(row["scale"]), row["degradation"], row["condition"], str(row["seed"]),
                         row["recognizer"])
                groups.setdefault(group, {})[row["dataset"]] = i
        for members in groups.values():
            if set(members) != set(datasets):
                continue
            n_words = sum(counts[i][0] for i in members.values())
            n_correct = sum(counts[i][1] for i in members.values())
            chars = [counts[i][2] for i in members.values()]
            char = None if not n_words or None in chars else sum(chars) / n_words
            first = rows[next(iter(members.values()))]
            out.append({**first, "dataset": name, "n_words": n_words,
                        "accuracy": _fraction(n_correct / n_words if n_words else None),
                        **_accuracy_interval(n_correct, n_words),
                        "char_accuracy": _fraction(char), "e2e_hmean": ""})
    return out


def write_recognition_table(
    jsons: Sequence[str | os.PathLike],
    keys: Sequence[dict],
    out_csv: str | os.PathLike,
    *,
    averages: dict[str, Sequence[str]] | None = None,
) -> list[dict]:
    """`results/recognition_table.csv`: one row per recognition JSON, columns RECOGNITION_COLUMNS.

    keys[i]: the KEY_COLUMNS of jsons[i] (written as given), optionally
    recognizer (else the JSON's `recognizer` field; both given must agree: ValueError naming the file).
    accuracy (words read exactly) with its 95 % Wilson interval (accuracy_ci_low, accuracy_ci_high), char_accuracy (mean over words of 1 - normalised edit distance) and e2e_hmean
    are fractions with 4 decimals, empty where not measured (no scorable word; no detection JSON).
    averages: {name: [datasets]} adds, after the rows, one row `dataset=name` per (detector, scale, degradation,
    condition, seed, recognizer) that every listed dataset has: n_words summed, accuracy = sum(n_correct) / sum(n_words),
    char_accuracy likewise weighted by words (i.e. by split size for TextZoom easy/medium/hard), e2e_hmean empty.
    Returns the rows written.
    """
    if len(jsons) != len(keys):
        raise ValueError(f"{len(jsons)} recognition files but {len(keys)} row keys")
    rows, counts = [], []
    for path, key in zip(jsons, keys):
        row, count = _read_result(path, key)
        rows.append(row)
        counts.append(count)
    rows += _average_rows(rows, counts, averages or {})
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
                       detector: str | None = None
                       ) -> tuple[list[tuple[str, int]], list[str], list[str], dict[str, dict]]:
    """Tables -> (panels [(dataset, scale)], conditions, recognizers, values), values = {"accuracy" | "e2e":
    {recognizer: {(dataset, scale, condition): [% per run]}}, "hmean": {(dataset, scale, condition): [% per run]}}.

    Panels: every (test set, scale) of the recognition table, `hr` repeated in each scale's panel (a set with
    only `hr` gets scale 1); a set with several degradations is one panel row per degradation ("synth, bd":
    `by_panel`, hr in each). Recognizers in table order ("" for a table without the column). Detection rows are
    those of `detector`, or of the first detector each test set has in the table (the column is optional: a
    table without it has one detector).
    """
    chosen = {d: detector if detector is not None else first for d, first in first_detectors(detection_rows).items()}
    det = by_panel([r for r in detection_rows if r.get("detector", "") == chosen[r["dataset"]]], detectors=False)
    spotted = by_panel([r for r in recognition_rows if r.get("detector", "") in ("", chosen.get(r["dataset"], ""))],
                       detectors=False)
    recognition_rows = by_panel(recognition_rows, detectors=False)
    scales_of: dict[str, list[int]] = {}
    for r in recognition_rows:
        if r["condition"] != "hr":
            scales_of.setdefault(r["dataset"], [])
            if int(r["scale"]) not in scales_of[r["dataset"]]:
                scales_of[r["dataset"]].append(int(r["scale"]))
    panels = unique((r["dataset"], s) for r in recognition_rows
                    for s in (scales_of.get(r["dataset"], [1]) if r["condition"] == "hr" else [int(r["scale"])]))
    conditions = unique(r["condition"] for r in recognition_rows)
    recognizers = unique(r.get("recognizer", "") for r in recognition_rows)
    # word accuracy reads the ground-truth crops (one value per run, whatever the detector); end-to-end: the chosen
    words = list({(r["dataset"], r["scale"], r["condition"], str(r.get("seed", "")), r.get("recognizer", "")): r
                  for r in recognition_rows}.values())
    by_rec = {rec: [r for r in words if r.get("recognizer", "") == rec] for rec in recognizers}
    e2e_by_rec = {rec: [r for r in spotted if r.get("recognizer", "") == rec] for rec in recognizers}
    values = {"accuracy": {rec: _panel_runs(rows, "accuracy", scales_of) for rec, rows in by_rec.items()},
              "e2e": {rec: _panel_runs(rows, "e2e_hmean", scales_of) for rec, rows in e2e_by_rec.items()},
              "hmean": _panel_runs(det, "hmean", scales_of)}
    return panels, conditions, recognizers, values


def _draw_panel(ax, runs_of: dict, e2e_of: list[tuple[dict, dict]], key: tuple, conditions: list[str],
                colours: dict[str, str]) -> bool:
    """Bars of one panel: per condition the mean of runs_of[(*key, condition)] (% per seed), seed dots, and a
    marker per (e2e runs, marker style) of e2e_of at its mean; the mean printed right of the bar. Returns whether
    any bar was drawn."""
    dataset, scale = key
    to_text = blended_transform_factory(ax.transAxes, ax.transData)
    drawn = False
    for y, cond in enumerate(conditions):
        runs = runs_of.get((dataset, scale, cond))
        if not runs:
            continue
        drawn = True
        mean = statistics.fmean(runs)
        ax.barh(y, mean, height=0.78, color=colours[cond], edgecolor="none")
        if len(runs) > 1:
            ax.plot(runs, [y + SEED_OFFSET] * len(runs), clip_on=False, zorder=3, **SEED_MARKER)
        for e2e_runs, style in e2e_of:
            e2e = e2e_runs.get((dataset, scale, cond))
            if e2e:
                ax.plot([statistics.fmean(e2e)], [y], clip_on=False, zorder=3, **style)
        ax.text(1.03, y, f"{mean:.1f}", transform=to_text, va="center", ha="left", fontsize=SMALL_PT, clip_on=False)
    return drawn


def _e2e_styles(recognizers: list[str]) -> list[dict]:
    """The end-to-end marker of each recognizer: E2E_MARKER's diamond for the first, then other shapes."""
    return [{**E2E_MARKER, "marker": E2E_SHAPES[i % len(E2E_SHAPES)]} for i in range(len(recognizers))]


def plot_recognition(
    recognition_csv: str | os.PathLike,
    detection_csv: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    *,
    detector: str | None = None,
) -> None:
    """Word accuracy, one column of panels per recognizer (titled by its name when there are several), beside
    detection H-mean (right column); one row of panels per (test set, scale), one bar per condition.

    Bars: means over training seeds (%); small black dots: each seed, for conditions with 2+ seeds; markers on
    the H-mean bar: end-to-end word-spotting H-mean (a detection that is also read correctly), mean over seeds,
    a diamond for the first recognizer and another shape per further one. A test set without detection rows
    (TextZoom's word crops) has an empty right panel. Values are printed right of each bar. Width COLUMN_WIDTH
    for one recognizer, half a column more per further one; height grows with panels and conditions.
    """
    rec_rows = read_csv(recognition_csv)
    if not rec_rows:
        raise ValueError(f"{recognition_csv}: no rows")
    panels, conditions, recognizers, values = recognition_panels(rec_rows, read_csv(detection_csv), detector)
    colours, labels, styles = condition_colours(conditions), condition_labels(conditions), _e2e_styles(recognizers)
    several = len(recognizers) > 1
    columns = [("accuracy", rec, rec if several else "word accuracy") for rec in recognizers]
    columns.append(("hmean", None, "detection H-mean"))
    height = len(panels) * (len(conditions) * BAR_IN + PANEL_EXTRA_IN) + 0.55
    with paper_style():
        fig = new_figure(COLUMN_WIDTH * len(columns) / 2, height)
        axes = fig.subplots(len(panels), len(columns), squeeze=False, sharex=True, sharey=True)
        for i, key in enumerate(panels):
            for j, (name, rec, title) in enumerate(columns):
                ax = axes[i][j]
                if name == "accuracy":
                    drawn = _draw_panel(ax, values["accuracy"][rec], [], key, conditions, colours)
                else:
                    e2e_of = [(values["e2e"][r], style) for r, style in zip(recognizers, styles)]
                    drawn = _draw_panel(ax, values["hmean"], e2e_of, key, conditions, colours)
                if not drawn:
                    ax.text(0.5, 0.5, "no detection results" if name == "hmean" else "no scorable words",
                            transform=ax.transAxes, ha="center", va="center", fontsize=SMALL_PT, color="#666666")
                ax.set_title(f"{key[0]}, {scale_label(key[1])}: {title}" if j == 0 else title, loc="left", pad=2,
                             fontsize=SMALL_PT)
                ax.set_xlim(0, 102)
                ax.set_ylim(len(conditions) - 0.5, -0.5)
                ax.set_yticks(range(len(conditions)), [labels[c] for c in conditions])
                ax.tick_params(axis="y", length=0)
                ax.set_xticks([0, 50, 100])
                ax.grid(axis="x", linewidth=0.4, color="#DDDDDD")
                ax.set_axisbelow(True)
        fig.supxlabel("word accuracy of each recognizer, detection H-mean (%)" if several else
                      "%" + (f" (recognizer: {recognizers[0]})" if recognizers[0] else ""), fontsize=SMALL_PT)
        handles = [Patch(color="#999999", label="mean over seeds"), Line2D([], [], label="each seed", **SEED_MARKER)]
        handles += [Line2D([], [], label="end-to-end H-mean" + (f", {rec}" if several else ""), **style)
                    for rec, style in zip(recognizers, styles)]
        fig.legend(handles=handles, loc="outside upper center", ncol=2 if several else 3, handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
