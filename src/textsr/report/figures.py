"""What every paper figure shares: the column-width style, condition names and colours, deterministic saving.

Figures are built on `matplotlib.figure.Figure` objects (no pyplot, no GUI backend, no global state): PNG through
Agg, PDF through matplotlib's PDF backend, both with the time stamps and version strings removed, so the same
inputs give byte-identical files. Sizes are in inches at the size the paper prints them: COLUMN_WIDTH = 3.5 in,
fonts 7-8 pt (>= 7 pt everywhere).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from textsr.study.conditions import DEFAULT_DEGRADATION, NO_DEGRADATION
from textsr.util.atomic import atomic_path

COLUMN_WIDTH = 3.5  # in: one column of a two-column paper
PNG_DPI = 300
FONT_PT = 8
SMALL_PT = 7  # the smallest text on any figure

#: rcParams of every figure (applied with `paper_style()`, not globally).
STYLE = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs on every machine
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": SMALL_PT,
    "ytick.labelsize": SMALL_PT,
    "legend.fontsize": SMALL_PT,
    "legend.title_fontsize": SMALL_PT,
    "figure.titlesize": FONT_PT,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "legend.frameon": False,
    "legend.handlelength": 1.5,
    "legend.borderaxespad": 0.2,
    "legend.columnspacing": 1.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays text (selectable, editable)
    "svg.hashsalt": "textsr",
    "path.simplify": False,
    "image.interpolation": "nearest",
    "figure.constrained_layout.use": True,
    "figure.constrained_layout.h_pad": 0.02,
    "figure.constrained_layout.w_pad": 0.02,
}

#: Condition colours (Okabe-Ito, distinguishable with common colour-vision deficiencies).
BASE_COLOURS = {"hr": "#333333", "lr": "#BBBBBB", "bicubic": "#E69F00", "rcan-official": "#56B4E9"}
METHOD_COLOURS = {"rcan": "#0072B2", "rcan_dat": "#D55E00", "rcan_sa": "#009E73"}
#: further methods, in order of first appearance: the rest of Okabe-Ito, then Paul Tol's muted set (distinct
#: for 14 methods, the largest config's count; they repeat after that)
EXTRA_COLOURS = ["#CC79A7", "#F0E442", "#000000", "#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
                 "#DDCC77", "#CC6677", "#882255", "#AA4499"]
METHOD_NAMES = {"rcan": "RCAN", "rcan_dat": "RCAN_dat", "rcan_sa": "RCAN_sa", "bicubic": "Bicubic",
                "rcan-official": "RCAN (official)",
                "hr": "HR", "lr": "LR"}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """The figures' rcParams for the duration of the block (the caller's settings are restored after)."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float = COLUMN_WIDTH, height: float = 2.0) -> Figure:
    """A Figure of `width` x `height` inches (call inside `paper_style()` so the style applies)."""
    return Figure(figsize=(width, height), dpi=PNG_DPI)


def save_figure(fig: Figure, out_pdf: str | os.PathLike, out_png: str | os.PathLike) -> None:
    """Write `fig` as PDF and PNG (PNG_DPI), deterministic and atomic (tmp + rename); folders are created.

    The figure keeps its size (no tight bounding box): a 3.5 in figure prints at 3.5 in.
    """
    fonttools = logging.getLogger("fontTools")  # its font subsetting logs every glyph at INFO
    old_level = fonttools.level
    fonttools.setLevel(logging.WARNING)
    try:
        _save(fig, out_pdf, out_png)
    finally:
        fonttools.setLevel(old_level)


def _save(fig: Figure, out_pdf: str | os.PathLike, out_png: str | os.PathLike) -> None:
    for path, fmt, metadata in (
        (Path(out_pdf), "pdf", {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}),
        (Path(out_png), "png", {"Software": None}),
    ):
        with atomic_path(path) as tmp, paper_style():
            fig.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=metadata)


def method_name(method: str) -> str:
    """`rcan_dat` -> "RCAN_dat"; unknown methods upper-cased."""
    return METHOD_NAMES.get(method, method.upper())


def condition_label(condition: str, *, trainset: bool = True) -> str:
    """Display name: `hr` -> "HR", `rcan_dat@synth` -> "RCAN_dat@synth" ("RCAN_dat" with trainset=False); a cross
    cell `rcan@synth~bi` -> "RCAN@synth (bi-trained)"."""
    if "@" in condition:
        method, train = condition.split("@", 1)
        train, _, trained_on = train.partition("~")
        name = f"{method_name(method)}@{train}" if trainset else method_name(method)
        return f"{name} ({trained_on}-trained)" if trained_on else name
    return METHOD_NAMES.get(condition, condition)


def condition_labels(conditions: Sequence[str]) -> dict[str, str]:
    """Display names of `conditions`, without the trainset when all trained conditions share one."""
    trainsets = {c.split("@", 1)[1].partition("~")[0] for c in conditions if "@" in c}
    return {c: condition_label(c, trainset=len(trainsets) > 1) for c in conditions}


def _tint(colour: str, amount: float) -> str:
    """Mix `colour` (#RRGGBB) with white by `amount` in [0, 1]."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def condition_colours(conditions: Sequence[str]) -> dict[str, str]:
    """A colour per condition, the same in every figure: baselines fixed, a colour per method, lighter tints of
    it for the second, third ... trainset (in order of first appearance)."""
    trainsets: list[str] = []
    extra: dict[str, str] = {}
    out = {}
    for c in conditions:
        if c in BASE_COLOURS:
            out[c] = BASE_COLOURS[c]
            continue
        method, _, train = c.partition("@")
        if method not in METHOD_COLOURS and method not in extra:
            extra[method] = EXTRA_COLOURS[len(extra) % len(EXTRA_COLOURS)]
        base = METHOD_COLOURS.get(method) or extra[method]
        if train and train not in trainsets:
            trainsets.append(train)
        k = trainsets.index(train) if train else 0
        out[c] = _tint(base, min(0.25 * k, 0.75))
    return out


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts of strings, in file order."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def unique(values) -> list:
    """Values in order of first appearance, without repeats."""
    seen: dict = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def degradation_of(row: dict) -> str:
    """A row's `degradation` (tables written before the degradation axis have none: all were `bi`)."""
    return row.get("degradation") or DEFAULT_DEGRADATION


def _panel_key(row: dict, detectors: bool) -> tuple[str, str]:
    return row["dataset"], row.get("detector", "") if detectors else ""


def panel_rows(rows: Sequence[dict], *, detectors: bool = True) -> list[tuple[tuple[str, str, str], dict]]:
    """(panel key (dataset, detector, degradation), row) pairs in table order: each row in its own degradation's
    panel, an `hr` row (NO_DEGRADATION) in every LR degradation's panel of its (dataset, detector), the upper bound
    of each. detectors=False: one panel per (dataset, degradation), detector "" in the key."""
    lr: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if degradation_of(r) != NO_DEGRADATION:
            known = lr.setdefault(_panel_key(r, detectors), [])
            known += [] if degradation_of(r) in known else [degradation_of(r)]
    out = []
    for r in rows:
        key, own = _panel_key(r, detectors), degradation_of(r)
        for g in (lr.get(key) or [own]) if own == NO_DEGRADATION else [own]:
            out.append(((*key, g), r))
    return out


def panel_names(rows: Sequence[dict], *, detectors: bool = True) -> dict[tuple[str, str, str], str]:
    """(dataset, detector, degradation) -> the name of its panel, table section or column group: the dataset, with
    the detector when the table has several, and with the degradation when the dataset has several
    ("synth, ppocrv6-db, bd"). One degradation (the default config) names panels as before the degradation axis."""
    keys = unique(k for k, _ in panel_rows(rows, detectors=detectors))
    several = len({det for _, det, _ in keys}) > 1
    degradations: dict[str, set[str]] = {}
    for ds, _, g in keys:
        degradations.setdefault(ds, set()).add(g)
    return {(ds, det, g): ", ".join([ds, *([det] if several and det else []), *([g] if len(degradations[ds]) > 1
                                                                                else [])])
            for ds, det, g in keys}


def by_panel(rows: Sequence[dict], *, detectors: bool = True) -> list[dict]:
    """Rows with `dataset` replaced by its panel name (`panel_names`; `hr` repeated in each degradation's panel):
    grouping by dataset then groups by (dataset, detector, degradation), so no row of one detector or degradation is
    ranked or averaged with another's."""
    names = panel_names(rows, detectors=detectors)
    return [{**r, "dataset": names[key]} for key, r in panel_rows(rows, detectors=detectors)]


def first_detectors(rows: Sequence[dict]) -> dict[str, str]:
    """{data set: its first detector in table order} ("" for a table without the column)."""
    first: dict[str, str] = {}
    for r in rows:
        first.setdefault(r["dataset"], r.get("detector", ""))
    return first


def first_detector(rows: Sequence[dict]) -> list[dict]:
    """The rows of each data set's first detector (table order): one detection row per condition and seed."""
    first = first_detectors(rows)
    return [r for r in rows if r.get("detector", "") == first[r["dataset"]]]


def scale_label(scale: int | str) -> str:
    return f"\N{MULTIPLICATION SIGN}{int(scale)}"
