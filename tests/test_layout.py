"""The path layout (textsr.study.layout): one pattern per kind of file, logs for every rule, typed wildcards."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from textsr.study import layout

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {k: v for k, v in vars(layout).items() if k.isupper() and isinstance(v, str) and "/" in v}


def _wildcards(pattern: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(pattern) if f}


def test_no_two_names_hold_the_same_pattern():
    seen: dict[str, str] = {}
    for name, pattern in PATTERNS.items():
        assert pattern not in seen, f"{name} and {seen[pattern]} are both {pattern!r}"
        seen[pattern] = name


def test_patterns_fill_to_the_paths_written_out_by_hand():
    # c49f292's f-strings, with the degradation segment of issue 24 before the scale
    assert layout.MODEL.format(method="rcan_dat", trainset="tz", degradation="bi", seed=4, scale=2) == \
        "results/models/rcan_dat/tz/bi/s4/x2/model.pt"
    assert layout.DET.format(condition="lr", dataset="tt", degradation="bd", scale=4, detector="general-poly") == \
        "results/det/lr/tt/bd/x4/general-poly"
    assert layout.NATIVE_LR.format(dataset="textzoom", split="test_easy", scale=2) == \
        "resources/datasets/textzoom/test_easy/lr/x2"
    assert layout.log("detect") == "logs/detect/{condition}/{dataset}/{degradation}/x{scale}/{detector}.log"
    assert layout.benchmark("fig_qualitative") == "benchmarks/figures/qualitative/{dataset}/x{scale}.tsv"
    assert layout.figure(layout.CURVES_FIGURE, "pdf") == "results/figures/curves-{trainset}-x{scale}.pdf"


def test_partial_fills_some_wildcards_and_keeps_the_others():
    assert layout.partial(layout.SR, condition="bicubic") == "results/sr/bicubic/{dataset}/{degradation}/x{scale}"
    assert layout.partial(layout.SR) == layout.SR


def test_every_rule_with_a_log_has_a_stem_and_its_wildcards_are_the_rules():
    rules = {}
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", path.read_text(), re.M | re.S):
            rules[m.group(1)] = m.group(2)
    logged = {name for name, body in rules.items() if "layout.log(" in body}
    assert logged == set(layout.JOB_STEMS)  # figures (a target list) and all (Snakefile) have no log
    for name, body in rules.items():
        if name in logged:
            assert f'layout.log("{name}")' in body, name  # each rule logs under its own name
    # a log may only use wildcards its rule's outputs have (Snakemake refuses others): spot-check the deep ones
    assert _wildcards(layout.log("train")) == _wildcards(layout.MODEL)
    assert _wildcards(layout.log("recognize")) == _wildcards(layout.RECOGNITION)
    assert _wildcards(layout.log("prepare_dataset")) == _wildcards(layout.MANIFEST)


def test_an_unknown_rule_has_no_log():
    with pytest.raises(KeyError, match="nosuch"):
        layout.log("nosuch")


def test_typed_converts_scale_and_seed_once_and_keeps_names():
    w = layout.typed({"scale": "4", "seed": "1234", "dataset": "ic15", "condition": "rcan@div2k-s1234"})
    assert (w.scale, w.seed, w.dataset, w.condition) == (4, 1234, "ic15", "rcan@div2k-s1234")
    assert layout.typed(w).scale == 4  # a typed namespace passes through unchanged
    with pytest.raises(ValueError, match="scale='x4'"):
        layout.typed({"scale": "x4"})


def test_typed_reads_snakemake_wildcards():
    io = pytest.importorskip("snakemake.iocontainers")
    w = io.Wildcards(fromdict={"scale": "2", "trainset": "div2k"})
    assert vars(layout.typed(w)) == {"scale": 2, "trainset": "div2k"}
