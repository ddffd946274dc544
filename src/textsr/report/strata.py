"""Where SR helps: recall against ground-truth text height, one line per condition, one panel per test set and
scale (`results/strata_table.csv`)."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence

from matplotlib.lines import Line2D

from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, by_panel, condition_colours, condition_labels, new_figure, paper_style, read_csv, save_figure,
    scale_label, unique,
)

PANEL_IN = 1.55  # in: height of one row of panels
LINE = {"linewidth": 1.0, "marker": "o", "markersize": 2.6}
SPREAD_WIDTH = 2.4  # pt: the vertical bar spanning the seeds' min to max recall


def strata_series(rows: Sequence[dict]) -> tuple[list[tuple[str, str]], list[int], list[str], list[str], dict, dict]:
    """Strata-table rows -> (panel rows [(dataset, detector)], scales, conditions, bins,
    {(panel row, scale, condition): [per bin (mean %, min %, max %) over seeds, NaN where a bin has no GT]},
    {(panel row, scale): [n_gt per bin]}).

    `hr` (scale 1) is repeated in every scale's panel; n_gt is the care GT of the test set per bin (the same for
    every condition: the GT does not change with the condition).
    """
    rows = by_panel(rows, detectors=False)  # "dataset, bd" where a set has several degradations; hr in each
    panels = unique((r["dataset"], r["detector"]) for r in rows)
    scales = unique(int(r["scale"]) for r in rows if r["condition"] != "hr") or [1]
    conditions = unique(r["condition"] for r in rows)
    bins = unique(r["bin"] for r in rows)
    runs: dict[tuple, dict[str, dict[str, float]]] = {}
    n_gt: dict[tuple, dict[str, int]] = {}
    for r in rows:
        panel = (r["dataset"], r["detector"])
        targets = scales if r["condition"] == "hr" else [int(r["scale"])]
        recall = 100.0 * float(r["recall"]) if r["recall"] != "" else math.nan
        for s in targets:
            runs.setdefault((panel, s, r["condition"]), {}).setdefault(r["seed"], {})[r["bin"]] = recall
            n_gt.setdefault((panel, s), {})[r["bin"]] = int(r["n_gt"])
    series = {}
    for key, by_seed in runs.items():
        points = []
        for b in bins:
            vals = [v[b] for v in by_seed.values() if b in v and not math.isnan(v[b])]
            points.append((statistics.fmean(vals), min(vals), max(vals)) if vals else (math.nan,) * 3)
        series[key] = points
    counts = {k: [v.get(b, 0) for b in bins] for k, v in n_gt.items()}
    return panels, scales, conditions, bins, series, counts


def bin_edge(label: str) -> str:
    """The upper edge of a bin label: "<8" -> "8", "8-12" -> "12" (the label of the boundary after that bin)."""
    if label.startswith("<"):
        return label[1:]
    if "-" in label[1:]:
        return label[1:].split("-", 1)[1]
    raise ValueError(f"bin {label!r} has no upper edge")


def plot_recall_by_height(strata_csv: str | os.PathLike, out_pdf: str | os.PathLike, out_png: str | os.PathLike) -> None:
    """results/strata_table.csv -> recall (%) per GT text-height bin (HR pixels, short side of the GT's minimum-area
    rectangle), one line per condition (mean over training seeds; a translucent vertical bar spans the seeds'
    min to max recall in each bin),
    one panel per (test set, scale). The x axis labels the bin edges; the grey numbers under the points are each
    bin's care GT (the same for every condition). A bin without GT has no point. Width COLUMN_WIDTH, one row of panels per test set."""
    rows = read_csv(strata_csv)
    if not rows:
        raise ValueError(f"{strata_csv}: no rows")
    panels, scales, conditions, bins, series, counts = strata_series(rows)
    several_detectors = len({d for _, d in panels}) > 1
    colours = condition_colours(conditions)
    labels = condition_labels(conditions)
    x = list(range(len(bins)))
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, len(panels) * PANEL_IN + 0.5)
        axes = fig.subplots(len(panels), len(scales), squeeze=False, sharey=True)
        for i, panel in enumerate(panels):
            for j, scale in enumerate(scales):
                ax = axes[i][j]
                for cond in conditions:
                    points = series.get((panel, scale, cond))
                    if points is None:
                        continue
                    mean, lo, hi = (list(v) for v in zip(*points))
                    ax.plot(x, mean, color=colours[cond], **LINE)
                    spread = [k for k in x if hi[k] > lo[k]]  # seeds' min..max, also where a point stands alone
                    if spread:
                        ax.vlines(spread, [lo[k] for k in spread], [hi[k] for k in spread], color=colours[cond],
                                  alpha=0.45, linewidth=SPREAD_WIDTH)
                title = f"{panel[0]}, {panel[1]}" if several_detectors and panel[1] else panel[0]
                ax.set_title(f"{title}, {scale_label(scale)}", loc="left", pad=2)
                n = counts.get((panel, scale), [0] * len(bins))
                # edges between bins as the main labels, each bin's GT count below its point
                ax.set_xticks([k + 0.5 for k in x[:-1]], [bin_edge(b) for b in bins[:-1]])
                ax.set_xticks(x, [str(k) for k in n], minor=True)
                ax.tick_params(axis="x", which="minor", length=0, pad=9, labelcolor="#555555")
                ax.set_xlim(-0.4, len(bins) - 0.6)
                ax.set_ylim(0, 102)
                ax.set_yticks([0, 25, 50, 75, 100])
                ax.grid(axis="y", linewidth=0.4, color="#DDDDDD")
                ax.set_axisbelow(True)
        fig.supxlabel("GT text height (HR px); grey: care GT per bin", fontsize=SMALL_PT)
        fig.supylabel("recall (%)", fontsize=SMALL_PT)
        handles = [Line2D([], [], color=colours[c], label=labels[c], **LINE) for c in conditions]
        fig.legend(handles=handles, loc="outside upper center", ncol=min(len(handles), 3), handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
