"""Training curves: each loss term (raw, unweighted, as `textsr.train` logs them) and validation PSNR."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from textsr.report.figures import (
    COLUMN_WIDTH, condition_colours, condition_labels, new_figure, paper_style, save_figure,
)

#: curve.tsv column -> panel title (`textsr.train.curve_columns`; losses in each network's own pixel units: 0-255 for
#: RCAN, RFDN, A2N, SRNet, [0, 1] for FSRCNN).
PANELS = {
    "loss_sr": "pixel loss",
    "loss_out": "pixel loss to the SR teacher",
    "loss_ad": "AD loss (raw)",
    "loss_sd": "SD loss (raw)",
    "loss_kd": "SR-teacher feature loss (raw)",
    "loss_aux": "auxiliary loss (weighted)",
    "loss_total": "total loss (weighted)",
    "val_psnr": "validation PSNR-Y (dB)",
}

LOG_SPAN = 20.0  # a loss panel is log-scaled when its values span more than this factor


def read_curve(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A curve TSV -> {column: float array}; "nan" cells (terms a method lacks, rows without validation) are NaN."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return {}
    return {k: np.asarray([float(r[k]) for r in rows], dtype=np.float64) for k in rows[0]}


def plot_curves(
    conditions: Sequence[str],
    curve_tsvs: Sequence[str | os.PathLike],
    out_pdf: str | os.PathLike,
    out_png: str | os.PathLike,
) -> list[str]:
    """One panel per curve column with data (PANELS order), one line per trained condition (`method@trainset`,
    paired with curve_tsvs). Losses on a log scale when they span more than LOG_SPAN; validation PSNR as points
    joined by lines. Returns the panels drawn."""
    if len(conditions) != len(curve_tsvs):
        raise ValueError(f"{len(conditions)} conditions but {len(curve_tsvs)} curve files")
    curves = {c: read_curve(p) for c, p in zip(conditions, curve_tsvs)}
    panels = [k for k in PANELS if any(k in cv and np.isfinite(cv[k]).any() for cv in curves.values())]
    if not panels:
        raise ValueError(f"no curve data in {list(curve_tsvs)}")
    colours = condition_colours(conditions)
    labels = condition_labels(conditions)
    n_rows = math.ceil(len(panels) / 2)
    with paper_style():
        fig = new_figure(COLUMN_WIDTH, 1.15 * n_rows + 0.35)
        axes = fig.subplots(n_rows, 2, squeeze=False, sharex=True)
        flat = [ax for row in axes for ax in row]
        for ax, key in zip(flat, panels):
            drawn = []
            for cond, cv in curves.items():
                if key not in cv:
                    continue
                ok = np.isfinite(cv[key])
                if not ok.any():
                    continue
                drawn.append(cv[key][ok])
                ax.plot(cv["iteration"][ok], cv[key][ok], color=colours[cond], linewidth=1.0,
                        marker="o" if key == "val_psnr" else None, markersize=2.5)
            values = np.concatenate(drawn)
            if key != "val_psnr" and values.min() > 0 and values.max() / values.min() > LOG_SPAN:
                ax.set_yscale("log")
                ax.yaxis.set_minor_formatter(NullFormatter())
            else:
                ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
            ax.set_title(PANELS[key], loc="left", pad=2)
            ax.grid(linewidth=0.4, color="#DDDDDD")
            ax.set_axisbelow(True)
        for ax in flat[len(panels):]:
            ax.axis("off")
        for ax in flat[: len(panels)]:
            ax.tick_params(labelbottom=True)
        for ax in flat[max(len(panels) - 2, 0): len(panels)]:
            ax.set_xlabel("iteration")
        handles = [Line2D([], [], color=colours[c], linewidth=1.0, label=labels[c]) for c in conditions]
        if len(panels) % 2:  # the free slot bottom right holds the legend
            flat[-1].legend(handles=handles, loc="center", title="trained model")
        else:
            fig.legend(handles=handles, loc="outside upper center", ncol=min(len(conditions), 4))
    save_figure(fig, out_pdf, out_png)
    return panels
