"""H-mean by degradation and condition (issue 24): per test set, detector and scale, two panels over the LR
degradations. Top: each condition's H-mean on that degradation's test images (mean over training seeds, each seed
a dot), HR's H-mean the upper bound. Bottom: each comparison of `results/comparisons.csv` (every SR condition
against bicubic, every distilled model against its control, a cross cell against its matched model) as its
H-mean difference with the 95% two-stage bootstrap interval (over seeds and test images), the equivalence band
±margin shaded; a filled marker where the verdict found a difference, hollow where it did not."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, condition_colours, condition_labels, degradation_of, new_figure, paper_style, read_csv,
    save_figure, scale_label, unique,
)
from textsr.study.conditions import NO_DEGRADATION

#: comparisons left out of the bottom panel: the bounds, not findings
BOUNDS = ("hr", "lr")
#: the verdicts that found a difference (`textsr.evaluation.bootstrap.verdict`)
DIFFERENT = ("a > b", "a < b")
#: marker of a comparison by its reference condition (condition_b); others cycle through REFERENCE_MARKERS
REFERENCE_MARKERS = ["o", "s", "^", "D", "v", "P"]
SPREAD = 0.8  # the width (in degradation slots) the markers of one degradation spread over

Panel = tuple[str, str, int]  # (dataset, detector, scale)


def _panel(row: dict) -> Panel:
    return row["dataset"], row.get("detector", ""), int(row["scale"])


def hmean_by_degradation(rows: Sequence[dict]) -> tuple[dict[Panel, list[str]], list[str], dict, dict]:
    """Detection-table rows -> ({panel: its LR degradations in table order}, conditions but hr in table order,
    {(panel, degradation, condition): [H-mean % of each run (seed)]}, {panel: HR's mean H-mean %}).

    A panel is (dataset, detector, scale); `hr` rows (degradation `none`, scale 1) are the upper bound of every
    panel of their (dataset, detector)."""
    panels: dict[Panel, list[str]] = {}
    runs: dict[tuple, list[float]] = {}
    hr: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        h = 100.0 * float(r["hmean"])
        if degradation_of(r) == NO_DEGRADATION:
            hr.setdefault((r["dataset"], r.get("detector", "")), []).append(h)
            continue
        key, g = _panel(r), degradation_of(r)
        known = panels.setdefault(key, [])
        known += [] if g in known else [g]
        runs.setdefault((key, g, r["condition"]), []).append(h)
    conditions = unique(c for _, _, c in runs)
    upper = {p: statistics.fmean(hr[p[:2]]) for p in panels if p[:2] in hr}
    return panels, conditions, runs, upper


def differences_by_degradation(comparison_rows: Sequence[dict]) -> dict[Panel, list[dict]]:
    """`results/comparisons.csv` rows -> {panel: [{degradation, a, b, diff, low, high, different}]} (percentage
    points; one entry per pair and degradation, in table order), the hr / lr bounds left out."""
    out: dict[Panel, list[dict]] = {}
    for r in comparison_rows:
        if r["condition_a"] in BOUNDS or r["condition_b"] in BOUNDS:
            continue
        out.setdefault(_panel(r), []).append({
            "degradation": degradation_of(r), "a": r["condition_a"], "b": r["condition_b"],
            "diff": 100.0 * float(r["diff"]), "low": 100.0 * float(r["ci_low"]), "high": 100.0 * float(r["ci_high"]),
            "different": r["verdict"] in DIFFERENT})
    return out


def _offsets(n: int) -> list[float]:
    """x offsets of n markers centred in one degradation slot."""
    step = SPREAD / max(n, 1)
    return [(i - (n - 1) / 2) * step for i in range(n)]


def _plot_hmeans(ax, degradations, conditions, runs, upper, panel, colours) -> None:
    offsets = dict(zip(conditions, _offsets(len(conditions))))
    for x, g in enumerate(degradations):
        for c in conditions:
            hs = runs.get((panel, g, c))
            if not hs:
                continue
            xc = x + offsets[c]
            ax.plot([xc], [statistics.fmean(hs)], marker="_", markersize=7, markeredgewidth=1.6,
                    color=colours[c], linestyle="none", zorder=3)
            if len(hs) > 1:
                ax.plot([xc] * len(hs), hs, marker="o", markersize=1.8, color=colours[c], alpha=0.8,
                        markeredgecolor="none", linestyle="none", zorder=2)
    if panel in upper:
        ax.axhline(upper[panel], color="black", linewidth=0.6, linestyle=(0, (3, 2)), zorder=1)
    ax.set_ylabel("H-mean (%)")


def _plot_differences(ax, degradations, diffs, margin, colours, markers) -> None:
    pairs = unique((d["a"], d["b"]) for d in diffs)
    offsets = dict(zip(pairs, _offsets(len(pairs))))
    ax.axhspan(-100.0 * margin, 100.0 * margin, color="#E8E8E8", linewidth=0, zorder=0)
    ax.axhline(0.0, color="black", linewidth=0.5, zorder=1)
    for d in diffs:
        x = degradations.index(d["degradation"]) + offsets[(d["a"], d["b"])]
        colour = colours[d["a"]]
        ax.plot([x, x], [d["low"], d["high"]], color=colour, linewidth=0.9, zorder=2)
        ax.plot([x], [d["diff"]], marker=markers[d["b"]], markersize=3.2, linestyle="none", zorder=3,
                markeredgecolor=colour, markeredgewidth=0.8, markerfacecolor=colour if d["different"] else "white")
    ax.set_ylabel("difference (pp)")


def plot_hmean_by_degradation(
    detection_csv: str | os.PathLike,
    comparisons_csv: str | os.PathLike,
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
    margin: float,
) -> None:
    """results/detection_table.csv + results/comparisons.csv -> per (test set, detector, scale) an H-mean panel
    and a difference panel over the LR degradations (module docstring); `margin`: the comparisons' equivalence
    margin (fraction of H-mean), shaded as ±100·margin pp. Width 2 x COLUMN_WIDTH."""
    rows = read_csv(detection_csv)
    panels, conditions, runs, upper = hmean_by_degradation(rows)
    if not panels:
        raise ValueError(f"{detection_csv}: no LR rows")
    diffs = differences_by_degradation(read_csv(comparisons_csv))
    all_conditions = unique(conditions + [c for ds in diffs.values() for d in ds for c in (d["a"], d["b"])])
    colours = condition_colours(all_conditions)
    labels = condition_labels(all_conditions)
    references = unique(d["b"] for ds in diffs.values() for d in ds)
    markers = {b: REFERENCE_MARKERS[i % len(REFERENCE_MARKERS)] for i, b in enumerate(references)}
    names = {p: ", ".join([p[0], *([p[1]] if len({q[1] for q in panels}) > 1 else []), scale_label(p[2])])
             for p in panels}
    with paper_style():
        fig = new_figure(2 * COLUMN_WIDTH, 0.6 + 3.0 * len(panels))
        axes = fig.subplots(2 * len(panels), 1, squeeze=False)
        for i, panel in enumerate(panels):
            degradations = panels[panel]
            top, bottom = axes[2 * i][0], axes[2 * i + 1][0]
            _plot_hmeans(top, degradations, conditions, runs, upper, panel, colours)
            _plot_differences(bottom, degradations, diffs.get(panel, []), margin, colours, markers)
            top.set_title(names[panel], loc="left", pad=2)
            for ax in (top, bottom):
                ax.set_xlim(-0.5, len(degradations) - 0.5)
                ax.set_xticks(range(len(degradations)), degradations)
                ax.grid(axis="y", linewidth=0.4, color="#DDDDDD")
                ax.set_axisbelow(True)
        fig.supxlabel("degradation of the LR test images (each model trained on the same; a cross cell on the "
                      "one it names)", fontsize=SMALL_PT)
        handles = [Line2D([], [], color=colours[c], marker="_", markersize=7, markeredgewidth=1.6, linestyle="none",
                          label=labels[c]) for c in conditions]
        handles += [Line2D([], [], color="black", linewidth=0.6, linestyle=(0, (3, 2)), label="HR (upper bound)"),
                    Line2D([], [], color="black", marker="o", markersize=1.8, linestyle="none", label="seed")]
        handles += [Line2D([], [], color="black", marker=markers[b], markersize=3.2, markerfacecolor="white",
                           linewidth=0.9, label=f"vs {labels[b]}: 95% CI") for b in references]
        handles += [Patch(color="#E8E8E8", label=f"±{100 * margin:g} pp (equivalence)"),
                    Line2D([], [], color="black", marker="o", markersize=3.2, linestyle="none",
                           label="filled: difference found")]
        fig.legend(handles=handles, loc="outside upper center", ncol=4, handletextpad=0.4)
    save_figure(fig, out_pdf, out_png)
