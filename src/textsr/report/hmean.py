"""The paper's main figure: H-mean per test set and condition, precision and recall marked on each bar."""

from __future__ import annotations

import os
from collections.abc import Sequence

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, condition_colours, condition_labels, new_figure, paper_style, read_csv, save_figure,
    scale_label, unique,
)

BAR_IN = 0.13  # in: height of one bar slot
PANEL_EXTRA_IN = 0.32  # in: title and padding of one panel
PRECISION_MARKER = {"marker": "o", "markersize": 3.2, "markerfacecolor": "white", "markeredgecolor": "black",
                    "markeredgewidth": 0.6, "linestyle": "none"}
RECALL_MARKER = {"marker": "D", "markersize": 3.0, "markerfacecolor": "black", "markeredgecolor": "white",
                 "markeredgewidth": 0.5, "linestyle": "none"}


def hmean_panels(rows: Sequence[dict]) -> tuple[list[str], list[int], list[str], dict]:
    """Detection-table rows -> (datasets, scales, conditions, {(dataset, scale, condition): (P, R, H) in %}).

    `hr` rows (scale 1) are repeated in every scale's panel as the upper bound; order is the table's.
    """
    datasets = unique(r["dataset"] for r in rows)
    scales = unique(int(r["scale"]) for r in rows if r["condition"] != "hr") or [1]
    conditions = unique(r["condition"] for r in rows)
    values = {}
    for r in rows:
        prh = tuple(100.0 * float(r[k]) for k in ("precision", "recall", "hmean"))
        targets = scales if r["condition"] == "hr" else [int(r["scale"])]
        for s in targets:
            values[(r["dataset"], s, r["condition"])] = prh
    return datasets, scales, conditions, values


def plot_hmean(detection_csv: str | os.PathLike, out_pdf: str | os.PathLike, out_png: str | os.PathLike) -> None:
    """results/detection_table.csv -> bar chart, one panel per (test set, scale), one bar per condition.

    Bar: H-mean (%); white circle: precision; black diamond: recall; the H-mean is printed right of each panel.
    Width COLUMN_WIDTH; height grows with the number of test sets and conditions.
    """
    rows = read_csv(detection_csv)
    if not rows:
        raise ValueError(f"{detection_csv}: no rows")
    datasets, scales, conditions, values = hmean_panels(rows)
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
                for y, cond in enumerate(conditions):
                    prh = values.get((dataset, scale, cond))
                    if prh is None:
                        continue
                    p, r, h = prh
                    ax.barh(y, h, height=0.78, color=colours[cond], edgecolor="none")
                    ax.plot([p], [y], clip_on=False, **PRECISION_MARKER)
                    ax.plot([r], [y], clip_on=False, **RECALL_MARKER)
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
        fig.legend(handles=handles, loc="outside upper center", ncol=3, handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
