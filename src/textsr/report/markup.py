"""The study's tables as Markdown and LaTeX (booktabs), best value per test set and scale in bold.

Input: results/detection_table.csv and results/sr_table.csv (`textsr.report.tables`). A trained condition with
several seeds is one row: the mean over seeds (`seed_means`), with the standard deviation of its H-mean / PSNR in
the Markdown table. Precision, recall and H-mean are printed in % with one decimal, PSNR in dB with two, SSIM with
four. "Best" is decided on the printed
(rounded) values, so ties are all bold, among the rows of the same test set and scale; `hr` (detection on the HR
image) is the upper bound, not a competitor, and is never bold. Order of rows and columns: the CSVs' (config) order.
Where a test set has several detectors or degradations, each (test set, detector, degradation) is its own section
and column group ("synth, ppocrv6-db, bd"; `textsr.report.figures.by_panel`), ranked on its own, with `hr` as the
upper bound in each.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from textsr.util.atomic import write_text_atomic
from textsr.report.figures import by_panel, condition_labels, read_csv, unique

DETECTION_METRICS = [("precision", "P"), ("recall", "R"), ("hmean", "H")]
SR_METRICS = [("psnr_y", "PSNR"), ("ssim_y", "SSIM")]
NOT_RANKED = ("hr",)

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "@": "{@}",
}


def latex_escape(text: str) -> str:
    """Plain text -> LaTeX text: the ten special characters escaped, and `@` braced ({@}: prints "@" and stays
    a literal even in code run under \\makeatletter)."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def percent(value: str | float) -> str:
    """A fraction -> percent with one decimal: "0.6592" -> "65.9"."""
    return f"{100.0 * float(value):.1f}"


def _format(metric: str, value: str | float) -> str:
    if metric == "psnr_y":
        return f"{float(value):.2f}"
    if metric == "ssim_y":
        return f"{float(value):.4f}"
    return percent(value)


def best_flags(rows: Sequence[dict], metric: str, *, group: Sequence[str] = ("dataset", "scale"),
               not_ranked: Sequence[str] = NOT_RANKED) -> list[bool]:
    """For each row: is its printed `metric` the maximum of its group (rows equal in `group` columns)?

    Rows whose condition is in `not_ranked` are never best and do not count; ties are all best.
    """
    printed = [float(_format(metric, r[metric])) for r in rows]
    best: dict[tuple, float] = {}
    for r, v in zip(rows, printed):
        if r["condition"] in not_ranked:
            continue
        key = tuple(str(r[g]) for g in group)
        best[key] = max(best.get(key, v), v)
    return [r["condition"] not in not_ranked and best.get(tuple(str(r[g]) for g in group)) == v
            for r, v in zip(rows, printed)]


def _cells(rows: Sequence[dict], metrics: Sequence[tuple[str, str]], bold: Callable[[str], str]) -> list[dict]:
    """Each row's printed metrics, bold where best."""
    flags = {m: best_flags(rows, m) for m, _ in metrics}
    return [{m: bold(_format(m, r[m])) if flags[m][i] else _format(m, r[m]) for m, _ in metrics}
            for i, r in enumerate(rows)]


def seed_means(rows: Sequence[dict], metrics: Sequence[str]) -> list[dict]:
    """Rows of one table averaged over seeds: one row per key (every column but seed, the metrics and the counts
    that vary with the seed), in order of first appearance; metrics are means, `<metric>_sd` the sample standard
    deviation ('' for one seed), `n_seeds` the count, n_det the rounded mean."""
    import statistics

    varying = {"seed", "n_det", *metrics}
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple((k, str(v)) for k, v in r.items() if k not in varying), []).append(r)
    out = []
    for key, runs in groups.items():
        row = dict(key)
        row["n_seeds"] = len(runs)
        for m in metrics:
            values = [float(r[m]) for r in runs]
            row[m] = statistics.fmean(values)
            row[f"{m}_sd"] = statistics.stdev(values) if len(values) > 1 else ""
        if "n_det" in runs[0]:
            row["n_det"] = round(statistics.fmean(int(r["n_det"]) for r in runs))
        out.append(row)
    return out


def _sd_md(row: dict, metric: str) -> str:
    """" ± sd" of a metric over seeds in the printed unit, '' for one seed."""
    if row.get(f"{metric}_sd", "") == "":
        return ""
    sd = float(row[f"{metric}_sd"])
    return f" ± {sd:.2f}" if metric == "psnr_y" else f" ± {100.0 * sd:.1f}"


def _scale_md(scale: str | int) -> str:
    return f"\N{MULTIPLICATION SIGN}{int(scale)}"


def detection_markdown(rows: Sequence[dict]) -> str:
    """results/detection_table.md: one section per test set; rows (scale, condition) with P, R, H in % and counts."""
    lines = [
        "# Text detection results",
        "",
        "Each test set's detector(s) on each condition's images, scored by the test set's official protocol. "
        "P = precision, R = recall, H = H-mean, in %; GT / Det = care ground truths / detections. **Bold**: best "
        "per test set, detector and scale (`hr`, detection on the HR image, is the upper bound and is not ranked).",
    ]
    cells = _cells(rows, DETECTION_METRICS, lambda s: f"**{s}**")
    for dataset in unique(r["dataset"] for r in rows):
        idx = [i for i, r in enumerate(rows) if r["dataset"] == dataset]
        protocols = ", ".join(unique(rows[i]["protocol"] for i in idx))
        lines += ["", f"## {dataset} ({protocols})", "",
                  "| scale | condition | P | R | H | images | GT | Det |",
                  "|---|---|--:|--:|--:|--:|--:|--:|"]
        for i in idx:
            r, c = rows[i], cells[i]
            name = f"`{r['condition']}`" + (" (upper bound)" if r["condition"] in NOT_RANKED else "")
            name += f" ({r['n_seeds']} seeds)" if r.get("n_seeds", 1) > 1 else ""
            lines.append(f"| {_scale_md(r['scale'])} | {name} | {c['precision']} | {c['recall']} | "
                         f"{c['hmean']}{_sd_md(r, 'hmean')} | {r['n_images']} | {r['n_gt']} | {r['n_det']} |")
    return "\n".join(lines) + "\n"


def _latex_table(rows: Sequence[dict], metrics: Sequence[tuple[str, str]], *, caption: str, label: str,
                 labels: dict[str, str]) -> list[str]:
    """Pivot: rows = (scale block, condition), column groups = test sets x metrics."""
    datasets = unique(r["dataset"] for r in rows)
    cells = _cells(rows, metrics, lambda s: rf"\textbf{{{s}}}")
    by_key = {(r["dataset"], int(r["scale"]), r["condition"]): c for r, c in zip(rows, cells)}
    k = len(metrics)
    env = "table*" if len(datasets) * k > 6 else "table"
    out = [rf"\begin{{{env}}}[t]", r"\centering", r"\small", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
           r"\begin{tabular}{@{}ll" + ("r" * k) * len(datasets) + "@{}}", r"\toprule"]
    out.append(" & & " + " & ".join(rf"\multicolumn{{{k}}}{{c}}{{{latex_escape(d)}}}" for d in datasets) + r" \\")
    out.append(" ".join(rf"\cmidrule(lr){{{3 + i * k}-{2 + (i + 1) * k}}}" for i in range(len(datasets))))
    out.append("Scale & Method & " + " & ".join(name for _ in datasets for _, name in metrics) + r" \\")
    for scale in unique(int(r["scale"]) for r in rows):
        out.append(r"\midrule")
        for n, cond in enumerate(unique(r["condition"] for r in rows if int(r["scale"]) == scale)):
            values = []
            for d in datasets:
                c = by_key.get((d, scale, cond))
                values += [c[m] if c else "--" for m, _ in metrics]
            first = rf"$\times${scale}" if n == 0 else ""
            out.append(f"{first} & {latex_escape(labels[cond])} & " + " & ".join(values) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", rf"\end{{{env}}}"]
    return out


def latex_tables(detection_rows: Sequence[dict], sr_rows: Sequence[dict]) -> str:
    """results/tables.tex: the detection table (P, R, H in %) and the SR table (Y-PSNR in dB, Y-SSIM), booktabs."""
    labels = condition_labels(unique([r["condition"] for r in detection_rows] + [r["condition"] for r in sr_rows]))
    labels = {c: ("HR (upper bound)" if c == "hr" else name) for c, name in labels.items()}
    out = ["% Generated by textsr.report.markup from results/detection_table.csv and results/sr_table.csv.",
           r"% Needs \usepackage{booktabs}. Bold: best per test set and scale (HR is the upper bound, not ranked).",
           ""]
    if detection_rows:
        out += _latex_table(
            detection_rows, DETECTION_METRICS, label="tab:detection", labels=labels,
            caption=r"Text detection on HR, LR and super-resolved images (column groups: test set, and detector "
                    r"where a set has several): precision (P), recall (R) and H-mean (H) in \%, official protocol of "
                    r"each test set. Bold: best per column group and scale; HR is the upper bound.")
        out.append("")
    if sr_rows:
        out += _latex_table(
            sr_rows, SR_METRICS, label="tab:sr", labels=labels,
            caption=r"Fidelity of the super-resolved test images: PSNR (dB) and SSIM on the Y channel (BT.601), "
                    r"border of scale pixels shaved. Bold: best per test set and scale.")
    else:
        out.append("% (no SR conditions: no SR table)")
    return "\n".join(out) + "\n"


def write_detection_markdown(detection_csv: str | os.PathLike, out_md: str | os.PathLike) -> None:
    """results/detection_table.csv -> results/detection_table.md (`detection_markdown`)."""
    rows = seed_means(by_panel(read_csv(detection_csv)), [m for m, _ in DETECTION_METRICS])
    write_text_atomic(out_md, detection_markdown(rows))


def write_latex_tables(detection_csv: str | os.PathLike, sr_csv: str | os.PathLike,
                       out_tex: str | os.PathLike) -> None:
    """results/detection_table.csv + results/sr_table.csv -> results/tables.tex (`latex_tables`)."""
    detection = seed_means(by_panel(read_csv(detection_csv)), [m for m, _ in DETECTION_METRICS])
    sr = seed_means(by_panel(read_csv(sr_csv)), [m for m, _ in SR_METRICS])
    write_text_atomic(out_tex, latex_tables(detection, sr))
