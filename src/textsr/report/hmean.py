"""The paper's main figure: H-mean per test set and condition, precision and recall marked on each bar, the
spread over training seeds, and each condition's 95% interval of its H-mean difference against bicubic."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence

from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, by_panel, condition_colours, condition_labels, degradation_of, new_figure, panel_names,
    paper_style, read_csv, save_figure, scale_label, unique,
)

BAR_IN = 0.13  # in: height of one bar slot
PANEL_EXTRA_IN = 0.32  # in: title and padding of one panel
PRECISION_MARKER = {"marker": "o", "markersize": 3.2, "markerfacecolor": "white", "markeredgecolor": "black",
                    "markeredgewidth": 0.6, "linestyle": "none"}
RECALL_MARKER = {"marker": "D", "markersize": 3.0, "markerfacecolor": "black", "markeredgecolor": "white",
                 "markeredgewidth": 0.5, "linestyle": "none"}
SEED_MARKER = {"marker": "o", "markersize": 1.6, "markerfacecolor": "black", "markeredgecolor": "none",
               "linestyle": "none"}
INTERVAL_STYLE = {"color": "black", "linewidth": 0.7, "solid_capstyle": "butt"}
INTERVAL_HALO = [patheffects.withStroke(linewidth=1.8, foreground="white")]  # readable on dark bars too
INTERVAL_CAP = 0.22  # half height of an interval's end ticks, in bar slots
SEED_OFFSET = -0.24  # seed dots sit this far above a bar's centre line (bar slots; the y axis is inverted)
REFERENCE = "bicubic"


def _runs(rows: Sequence[dict]) -> tuple[list[str], list[int], list[str], dict[tuple, list[tuple[float, ...]]]]:
    """(panel rows, scales, conditions, {(panel row, scale, condition): [(P, R, H) in % per run]}); a panel row is a
    (test set, detector, degradation) (`by_panel`)."""
    rows = by_panel(rows)
    datasets = unique(r["dataset"] for r in rows)
    scales = unique(int(r["scale"]) for r in rows if r["condition"] != "hr") or [1]
    conditions = unique(r["condition"] for r in rows)
    runs: dict[tuple, list[tuple[float, ...]]] = {}
    for r in rows:
        prh = tuple(100.0 * float(r[k]) for k in ("precision", "recall", "hmean"))
        targets = scales if r["condition"] == "hr" else [int(r["scale"])]
        for s in targets:
            runs.setdefault((r["dataset"], s, r["condition"]), []).append(prh)
    return datasets, scales, conditions, runs


def hmean_panels(rows: Sequence[dict]) -> tuple[list[str], list[int], list[str], dict]:
    """Detection-table rows -> (panel rows, scales, conditions, {(panel row, scale, condition): (P, R, H) in %}).

    A panel row is a test set (with its detector when the table has several detectors, and its degradation when
    the set has several: `by_panel`). P, R, H are means over
    the condition's runs (one row per training seed). `hr` rows (scale 1) are repeated in every scale's panel as
    the upper bound; order is the table's.
    """
    datasets, scales, conditions, runs = _runs(rows)
    values = {k: tuple(statistics.fmean(v[i] for v in prh) for i in range(3)) for k, prh in runs.items()}
    return datasets, scales, conditions, values


def seed_hmeans(rows: Sequence[dict]) -> dict[tuple, list[float]]:
    """{(panel row, scale, condition): [H-mean % of each run]} for conditions with 2+ runs (seeds)."""
    _, _, _, runs = _runs(rows)
    return {k: [h for _, _, h in v] for k, v in runs.items() if len(v) > 1}


def comparison_intervals(comparison_rows: Sequence[dict], reference: str = REFERENCE) -> dict[tuple, tuple]:
    """`results/comparisons.csv` rows -> {(panel row, scale, condition): (H_ref, H_ref + ci_low, H_ref + ci_high)}
    in %, for every condition compared against `reference` (one row per pair: over every training seed when there
    are several; an older table's seed-averaged ``mean`` row). H_ref is the reference's H-mean as the comparison
    computed it."""
    names = panel_names(comparison_rows)
    chosen: dict[tuple, list[dict]] = {}
    for r in comparison_rows:
        if r["condition_b"] != reference:
            continue
        key = (names[(r["dataset"], r.get("detector", ""), degradation_of(r))], int(r["scale"]), r["condition_a"])
        chosen.setdefault(key, []).append(r)
    out = {}
    for key, rs in chosen.items():
        pick = rs if len(rs) == 1 else [r for r in rs if r.get("seed") == "mean"]
        if not pick:
            raise ValueError(f"comparisons: several rows for {key} against {reference} and no seed 'mean' row")
        h_ref = 100.0 * float(pick[0]["hmean_b"])
        out[key] = (h_ref, h_ref + 100.0 * float(pick[0]["ci_low"]), h_ref + 100.0 * float(pick[0]["ci_high"]))
    return out


def plot_hmean(
    detection_csv: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    comparisons_csv: str | os.PathLike | None = None,
) -> None:
    """results/detection_table.csv -> bar chart, one panel per (test set, scale), one bar per condition.

    Bar: H-mean (%), the mean over training seeds; small black dots: each seed's H-mean (conditions with 2+
    seeds); white circle: precision; black diamond: recall (means); the mean H-mean is printed right of each
    panel. With `comparisons_csv` (results/comparisons.csv): a dotted vertical line at bicubic's H-mean and, on
    each compared condition's bar, a black interval from bicubic's H + ci_low to bicubic's H + ci_high: the 95%
    paired-bootstrap interval (over test images) of the condition's H-mean difference against bicubic, drawn
    from bicubic's H so that it reads on the H-mean axis. An interval that crosses the dotted line: no
    difference from bicubic detectable. Width COLUMN_WIDTH; height grows with test sets and conditions.
    """
    rows = read_csv(detection_csv)
    if not rows:
        raise ValueError(f"{detection_csv}: no rows")
    datasets, scales, conditions, values = hmean_panels(rows)
    seeds = seed_hmeans(rows)
    intervals = comparison_intervals(read_csv(comparisons_csv)) if comparisons_csv is not None else {}
    colours = condition_colours(conditions)
    labels = condition_labels(conditions)
    n_rows, n_cols = len(datasets), len(scales)
    height = n_rows * (len(conditions) * BAR_IN + PANEL_EXTRA_IN) + 0.55
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, height)
        axes = fig.subplots(n_rows, n_cols, squeeze=False, sharex=True, sharey=True)
        for i, dataset in enumerate(datasets):
            for j, scale in enumerate(scales):
                ax = axes[i][j]
                to_text = blended_transform_factory(ax.transAxes, ax.transData)
                refs = {intervals[k][0] for k in intervals if k[:2] == (dataset, scale)}
                for ref in sorted(refs):
                    ax.axvline(ref, color="black", linewidth=0.5, linestyle=(0, (1, 1.5)), zorder=1.5)
                for y, cond in enumerate(conditions):
                    prh = values.get((dataset, scale, cond))
                    if prh is None:
                        continue
                    p, r, h = prh
                    ax.barh(y, h, height=0.78, color=colours[cond], edgecolor="none")
                    interval = intervals.get((dataset, scale, cond))
                    if interval is not None:
                        _, lo, hi = interval
                        ax.plot([lo, lo, lo, hi, hi, hi], [y - INTERVAL_CAP, y + INTERVAL_CAP, y, y, y - INTERVAL_CAP,
                                y + INTERVAL_CAP], zorder=2.5, path_effects=INTERVAL_HALO,
                                **INTERVAL_STYLE)  # clipped at the axis (102 %)
                    run_h = seeds.get((dataset, scale, cond), [])
                    if run_h:
                        ax.plot(run_h, [y + SEED_OFFSET] * len(run_h), clip_on=False, zorder=3, **SEED_MARKER)
                    ax.plot([p], [y], clip_on=False, zorder=3, **PRECISION_MARKER)
                    ax.plot([r], [y], clip_on=False, zorder=3, **RECALL_MARKER)
                    ax.text(1.03, y, f"{h:.1f}", transform=to_text, va="center", ha="left", fontsize=SMALL_PT,
                            clip_on=False)
                ax.set_title(f"{dataset}, {scale_label(scale)}", loc="left", pad=2)
                ax.set_xlim(0, 102)  # room for a marker at 100
                ax.set_ylim(len(conditions) - 0.5, -0.5)
                ax.set_yticks(range(len(conditions)), [labels[c] for c in conditions])
                ax.tick_params(axis="y", length=0)
                ax.set_xticks([0, 25, 50, 75, 100])
                ax.grid(axis="x", linewidth=0.4, color="#DDDDDD")
                ax.set_axisbelow(True)
        fig.supxlabel("precision, recall, H-mean (%)", fontsize=SMALL_PT)
        handles = [Patch(color="#999999", label="H-mean"),
                   Line2D([], [], label="precision", **PRECISION_MARKER),
                   Line2D([], [], label="recall", **RECALL_MARKER)]
        if seeds:
            handles.append(Line2D([], [], label="seed", **{**SEED_MARKER, "markersize": 2.5}))
        if intervals:
            handles.append(Line2D([], [], label=f"95% CI vs {labels.get(REFERENCE, 'Bicubic')}", marker="|",
                                  markersize=4, markeredgewidth=0.7, **INTERVAL_STYLE))
        fig.legend(handles=handles, loc="outside upper center", ncol=min(len(handles), 3), handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
