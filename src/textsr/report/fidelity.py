"""Does fidelity predict detectability? PSNR (x) against H-mean (y), one point per SR condition and test set (its
first detector's H-mean where a set has several)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from matplotlib.lines import Line2D

from textsr.report.figures import (
    COLUMN_WIDTH, SMALL_PT, by_panel, condition_colours, condition_labels, first_detector, new_figure, paper_style,
    read_csv, save_figure, scale_label, unique,
)

DATASET_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]


def fidelity_points(detection_rows: Sequence[dict], sr_rows: Sequence[dict]) -> list[dict]:
    """Join the tables on (dataset, scale, condition, seed), datasets as panel names (`by_panel`: "synth, bd" where a
    set has several degradations): one point per SR condition and seed with PSNR-Y (dB), SSIM-Y and H-mean (%).
    Conditions without a PSNR (`hr`, `lr`) are not points, nor SR benchmark sets (data sets absent from the detection
    table); a test set's PSNR row without its detection row is an error (the two tables come from the same jobs). A test set with several detectors: its first one's rows (table order)."""
    detection_rows = by_panel(first_detector(detection_rows), detectors=False)
    sr_rows = by_panel(sr_rows, detectors=False)
    det = {(r["dataset"], int(r["scale"]), r["condition"], str(r.get("seed", ""))): r for r in detection_rows}
    test_sets = {r["dataset"] for r in detection_rows}
    points = []
    for r in sr_rows:
        key = (r["dataset"], int(r["scale"]), r["condition"], str(r.get("seed", "")))
        if key[0] not in test_sets:
            continue
        if key not in det:
            raise KeyError(f"sr_table row {key} has no detection_table row")
        points.append({"dataset": key[0], "scale": key[1], "condition": key[2], "seed": key[3],
                       "psnr": float(r["psnr_y"]),
                       "ssim": float(r["ssim_y"]), "hmean": 100.0 * float(det[key]["hmean"])})
    return points


def plot_fidelity(detection_csv: str | os.PathLike, sr_csv: str | os.PathLike, out_pdf: str | os.PathLike,
                  out_png: str | os.PathLike) -> None:
    """Scatter of Y-PSNR (dB) against H-mean (%): one panel per scale, colour = condition, marker = test set.

    With a single test set, its H-mean on the HR images is a dashed line (upper bound) and on the LR images a
    dotted one. Width COLUMN_WIDTH.
    """
    det_rows, sr_rows = first_detector(read_csv(detection_csv)), read_csv(sr_csv)
    points = fidelity_points(det_rows, sr_rows)
    det_rows = by_panel(det_rows, detectors=False)
    if not points:
        raise ValueError(f"{sr_csv}: no SR conditions to plot")
    scales = unique(p["scale"] for p in points)
    datasets = unique(p["dataset"] for p in points)
    conditions = unique(p["condition"] for p in points)
    colours = condition_colours(unique(r["condition"] for r in det_rows))
    labels = condition_labels(unique(r["condition"] for r in det_rows))
    markers = {d: DATASET_MARKERS[i % len(DATASET_MARKERS)] for i, d in enumerate(datasets)}
    # HR / LR lines only for a single test set: several sets' lines could not be told apart
    reference = {(r["dataset"], int(r["scale"]), r["condition"]): 100.0 * float(r["hmean"]) for r in det_rows
                 if r["condition"] in ("hr", "lr") and len(datasets) == 1}
    n_legend_rows = -(-len(conditions) // 3) + (-(-len(datasets) // 3) if len(datasets) > 1 else 0)
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, 2.0 + 0.14 * n_legend_rows)
        axes = fig.subplots(1, len(scales), squeeze=False, sharey=True)[0]
        for ax, scale in zip(axes, scales):
            for d in datasets:
                for cond, style in (("hr", "--"), ("lr", ":")):
                    h = reference.get((d, 1 if cond == "hr" else scale, cond))
                    if h is not None:
                        ax.axhline(h, linestyle=style, linewidth=0.7, color=colours.get(cond, "#777777"), zorder=1)
            for p in points:
                if p["scale"] != scale:
                    continue
                ax.plot(p["psnr"], p["hmean"], marker=markers[p["dataset"]], markersize=5, linestyle="none",
                        markerfacecolor=colours[p["condition"]], markeredgecolor="black", markeredgewidth=0.4,
                        zorder=3, clip_on=False)
            ax.set_title(scale_label(scale), loc="left", pad=2)
            ax.set_xlabel("PSNR-Y (dB)")
            ax.margins(x=0.15)
            ax.grid(linewidth=0.4, color="#DDDDDD")
            ax.set_axisbelow(True)
        axes[0].set_ylabel("H-mean (%)")
        axes[0].set_ylim(0, 100)
        handles = [Line2D([], [], marker="o", markersize=5, linestyle="none", markerfacecolor=colours[c],
                          markeredgecolor="black", markeredgewidth=0.4, label=labels[c]) for c in conditions]
        for cond, style in (("hr", "--"), ("lr", ":")):
            if any(k[2] == cond for k in reference):
                handles.append(Line2D([], [], linestyle=style, linewidth=0.7, color=colours[cond],
                                      label=labels.get(cond, cond.upper())))
        if len(datasets) > 1:
            handles += [Line2D([], [], marker=markers[d], markersize=5, linestyle="none", markerfacecolor="white",
                               markeredgecolor="black", markeredgewidth=0.5, label=d) for d in datasets]
        fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=SMALL_PT, handletextpad=0.3)
    save_figure(fig, out_pdf, out_png)
