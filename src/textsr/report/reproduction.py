"""The one-glance check of data, detector and protocol: each test set's HR H-mean beside the published or reproduced
CRAFT number for its detector (config `craft_reproduction`), before anyone reads an SR row.

A reference applies to an `hr` row of the same data set whose detector name equals the reference's, or equals it
once a trailing `-fallback` is removed (the General model standing in for missing optional weights is the General
model at the craft defaults: its reference is that model's). A reference for a detector whose weights were missing
(the LinkRefiner's CTW-1500 number, with the General model standing in) keeps its row, without a difference: its
`check` names the files the reference needs (`needs craft_refiner_CTW1500.pth`). Differences are in H-mean points
(percent).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from textsr.inference.detectors import REFINER_FILE, WEIGHTS
from textsr.util.atomic import atomic_path

COLUMNS = ["dataset", "detector", "precision", "recall", "hmean", "ref_precision", "ref_recall", "ref_hmean",
           "diff_points", "check", "source"]
FALLBACK = "-fallback"


def _points(value) -> str:
    return "" if value in (None, "") else f"{100.0 * float(value):.1f}"


def needed_files(detector: str) -> list[str]:
    """The optional weights files a detector name needs: needed_files("general+refiner-poly") =
    ["craft_refiner_CTW1500.pth"], needed_files("ic15-box-t0.85") = ["craft_ic15_20k.pth"], general: []."""
    model, _, _ = detector.partition("-")
    short, refiner = model.removesuffix("+refiner"), model.endswith("+refiner")
    files = [file for file, name in WEIGHTS.values() if name == short and name != "general"]
    return files + ([REFINER_FILE] if refiner else [])


def _row(row: Mapping, ref: Mapping, diff_points: str, check: str) -> dict:
    return {"dataset": row["dataset"], "detector": row["detector"], "precision": _points(row["precision"]),
            "recall": _points(row["recall"]), "hmean": _points(row["hmean"]),
            "ref_precision": _points(ref.get("precision")), "ref_recall": _points(ref.get("recall")),
            "ref_hmean": _points(ref["hmean"]), "diff_points": diff_points, "check": check, "source": ref["source"]}


def reproduction_rows(hr_rows: Sequence[Mapping], references: Sequence[Mapping]) -> list[dict]:
    """One row per (reference, matching hr row): ours and the reference in points, the difference, and `check`:
    "ok" when |difference| <= the reference's tolerance (default 0.005 = 0.5 points), else "CHECK". A reference that
    matches no row, on a data set detected with a `-fallback` detector, gets one row per such detector, no
    difference, and `check` "needs <files>" (the weights its detector needs, absent at planning time), unless
    another reference of that data set was compared (IC15: the General model's number stands for the fallback)."""
    out, unmatched = [], []
    for ref in references:
        matched = False
        for row in hr_rows:
            if row["dataset"] != ref["dataset"] or row["detector"].removesuffix(FALLBACK) != ref["detector"]:
                continue
            matched = True
            diff = float(row["hmean"]) - float(ref["hmean"])
            ok = abs(diff) <= float(ref.get("tolerance", 0.005)) + 1e-12
            out.append(_row(row, ref, f"{100.0 * diff:+.1f}", "ok" if ok else "CHECK"))
        if not matched and needed_files(ref["detector"]):
            unmatched.append(ref)
    compared = {r["dataset"] for r in out}
    for ref in unmatched:
        needs = "needs " + " ".join(needed_files(ref["detector"]))
        out += [_row(row, ref, "", needs) for row in hr_rows if row["dataset"] == ref["dataset"]
                and row["dataset"] not in compared and row["detector"].endswith(FALLBACK)]
    return out


def format_reproduction(rows: Sequence[Mapping]) -> str:
    """A plain-text table of `reproduction_rows` for the terminal ('' when there is nothing to show)."""
    if not rows:
        return ""
    head = ["test set", "detector", "HR H-mean", "reference", "diff", "check"]
    body = [[r["dataset"], r["detector"], r["hmean"], r["ref_hmean"], r["diff_points"], r["check"]] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["CRAFT reproduction check (HR images, H-mean in %):"]
    lines += ["  " + "  ".join(str(x).ljust(w) for x, w in zip(line, widths)) for line in [head, *body]]
    lines += [f"  {r['dataset']}: {r['source']}" for r in rows]
    return "\n".join(lines) + "\n"


def craft_check(detection_csv: str | Path, references: Sequence[Mapping], out_csv: str | Path, *,
                echo: bool = False) -> list[dict]:
    """results/detection_table.csv + the config's references -> results/craft_reproduction.csv (COLUMNS); with
    `echo`, the table is also printed on the terminal (the process's original stdout). Returns the rows."""
    with open(detection_csv, newline="", encoding="utf-8") as fh:
        hr_rows = [r for r in csv.DictReader(fh) if r["condition"] == "hr"]
    rows = reproduction_rows(hr_rows, references)
    with atomic_path(out_csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    text = format_reproduction(rows)
    if text:
        print(text, end="")
        if echo and sys.__stdout__ is not None and sys.stdout is not sys.__stdout__:
            sys.__stdout__.write(text)
            sys.__stdout__.flush()
    return rows
