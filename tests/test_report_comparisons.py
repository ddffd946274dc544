"""Comparison, summary and strata tables (textsr.report.comparisons); numbers by hand."""

from __future__ import annotations

import csv

import pytest

from textsr.evaluation import evaluate_to_json
from textsr.report.comparisons import (
    COMPARISON_COLUMNS, STRATA_COLUMNS, SUMMARY_COLUMNS, seed_pairs, write_comparisons,
    write_strata_table, write_summary_table,
)


def quad(x, y, w, h):
    return f"{x},{y},{x + w},{y},{x + w},{y + h},{x},{y + h}"


def read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def evals(tmp_path):
    """Two IC15 images: img_1 one word, img_2 three words (all 100 x 20 px).

    good: finds img_1's word; in img_2 one word and one false box  -> counts (1,1,1,1), (1,2,1,3): H 4/7
    bad:  one false box in img_1;   img_2 as good                  -> counts (0,1,0,1), (1,2,1,3): H 2/7
    Bootstrap of good - bad (test_bootstrap.py): diff 2/7, 95 % interval [0, 1] ({2,2}: 0 p 1/4, {1,2}: 2/7
    p 1/2, {1,1}: 1 p 1/4).
    """
    gt = tmp_path / "gt"
    gt.mkdir()
    (gt / "gt_img_1.txt").write_text(quad(0, 0, 100, 20) + ",w\n")
    (gt / "gt_img_2.txt").write_text("".join(quad(0, 50 * k, 100, 20) + ",w\n" for k in range(3)))
    paths = {}
    for name, first in (("good", quad(0, 0, 100, 20)), ("bad", quad(300, 300, 50, 20))):
        det = tmp_path / "det" / name
        det.mkdir(parents=True)
        (det / "res_img_1.txt").write_text(first + "\n")
        (det / "res_img_2.txt").write_text(quad(0, 0, 100, 20) + "\n" + quad(300, 300, 50, 20) + "\n")
        paths[name] = tmp_path / f"{name}.json"
        evaluate_to_json("icdar2015", gt, det, paths[name])

    def e(condition, scale, seed, which):
        method, _, trainset = condition.partition("@")
        return {"dataset": "synth", "protocol": "icdar2015", "detector": "craft", "scale": scale,
                "condition": condition, "method": method if condition not in ("hr", "lr") else "",
                "trainset": trainset, "seed": seed, "path": paths[which]}

    return [e("hr", 1, "", "good"), e("bicubic", 2, "", "bad"), e("bicubic", 4, "", "bad"),
            e("rcan@s", 4, "1", "good"), e("rcan@s", 4, "2", "bad"),
            e("rcan_dat@s", 4, "1", "good"), e("rcan_dat@s", 4, "2", "good")]


def test_seed_pairs_pair_equal_seeds_or_each_seed_with_an_untrained_run():
    assert seed_pairs(["2", "10", "1"], [""]) == [("1", "1", ""), ("2", "2", ""), ("10", "10", "")]
    assert seed_pairs([""], ["3"]) == [("3", "", "3")]
    assert seed_pairs(["1", "2", "3"], ["2", "3", "4"]) == [("2", "2", "2"), ("3", "3", "3")]
    assert seed_pairs([""], [""]) == [("", "", "")]
    with pytest.raises(ValueError, match="no seed in common"):
        seed_pairs(["1"], ["2"])


def test_comparisons_csv_rows_and_numbers(evals, tmp_path):
    out = tmp_path / "comparisons.csv"
    pairs = [("hr", "bicubic"), ("rcan@s", "bicubic"), ("rcan_dat@s", "bicubic"), ("rcan_dat@s", "rcan@s")]
    write_comparisons(evals, pairs, out)
    rows = read(out)
    assert list(rows[0]) == COMPARISON_COLUMNS
    got = [(r["scale"], r["condition_a"], r["condition_b"], r["seed"], r["hmean_a"], r["hmean_b"], r["diff"],
            r["ci_low"], r["ci_high"], r["verdict"]) for r in rows]
    nd = "no difference detectable"
    assert got == [
        # hr (scale 1) is compared at every scale; rcan@s exists only at x4
        ("2", "hr", "bicubic", "", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "hr", "bicubic", "", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "rcan@s", "bicubic", "1", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "rcan@s", "bicubic", "2", "0.2857", "0.2857", "0.0000", "0.0000", "0.0000", nd),
        # seed mean: (2/7 + 0)/2 = 1/7 per resample block -> {0, 1/7, 1/2}: [0, 0.5]; H_a (4/7 + 2/7)/2 = 3/7
        ("4", "rcan@s", "bicubic", "mean", "0.4286", "0.2857", "0.1429", "0.0000", "0.5000", nd),
        ("4", "rcan_dat@s", "bicubic", "1", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "rcan_dat@s", "bicubic", "2", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "rcan_dat@s", "bicubic", "mean", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        # equal seeds: seed 1 good vs good (0), seed 2 good vs bad (as above)
        ("4", "rcan_dat@s", "rcan@s", "1", "0.5714", "0.5714", "0.0000", "0.0000", "0.0000", nd),
        ("4", "rcan_dat@s", "rcan@s", "2", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", nd),
        ("4", "rcan_dat@s", "rcan@s", "mean", "0.5714", "0.4286", "0.1429", "0.0000", "0.5000", nd),
    ]
    assert {(r["n_images"], r["n_resamples"], r["protocol"], r["detector"]) for r in rows} == {("2", "10000", "icdar2015", "craft")}
    before = out.read_bytes()
    write_comparisons(evals, pairs, out)
    assert out.read_bytes() == before  # deterministic


def test_comparisons_refuse_two_evaluations_of_one_run(evals, tmp_path):
    with pytest.raises(ValueError, match="two evaluations of rcan@s seed '1'"):
        write_comparisons(evals + [evals[3]], [("rcan@s", "bicubic")], tmp_path / "c.csv")


DET = """dataset,protocol,detector,scale,condition,method,trainset,seed,precision,recall,hmean,n_images,n_gt,n_det
synth,icdar2015,craft,1,hr,,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,craft,4,bicubic,bicubic,,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,0.8500,0.4000,0.5000,16,128,60
synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,0.8700,0.4400,0.6000,16,128,64
synth,icdar2015,craft,4,rcan@synth,rcan,synth,3,0.8600,0.4200,0.5500,16,128,62
"""
SR = """dataset,scale,condition,method,trainset,seed,psnr_y,ssim_y,n_images
synth,4,bicubic,bicubic,,,28.223,0.8546,16
synth,4,rcan@synth,rcan,synth,1,29.000,0.8800,16
synth,4,rcan@synth,rcan,synth,2,30.000,0.8900,16
synth,4,rcan@synth,rcan,synth,3,29.500,0.8850,16
set5,4,rcan@synth,rcan,synth,1,30.000,0.9000,5
"""


def test_summary_table_gives_mean_and_sample_sd_over_seeds(tmp_path):
    (tmp_path / "det.csv").write_text(DET)
    (tmp_path / "sr.csv").write_text(SR)
    write_summary_table(tmp_path / "det.csv", tmp_path / "sr.csv", tmp_path / "summary.csv")
    rows = read(tmp_path / "summary.csv")
    assert list(rows[0]) == SUMMARY_COLUMNS
    hr, bic, rcan = rows
    # one run: mean = the value, sd empty; hr has no SR row
    assert (hr["n_seeds"], hr["hmean_mean"], hr["hmean_sd"], hr["psnr_y_mean"]) == ("1", "0.9700", "", "")
    assert (bic["psnr_y_mean"], bic["psnr_y_sd"], bic["ssim_y_mean"]) == ("28.223", "", "0.8546")
    # H 0.50, 0.60, 0.55: mean 0.55, sd sqrt((0.05^2 + 0.05^2 + 0) / 2) = 0.05
    # P 0.85, 0.87, 0.86: mean 0.86, sd 0.01; PSNR 29, 30, 29.5: mean 29.5, sd 0.5; SSIM sd 0.005
    assert (rcan["n_seeds"], rcan["method"], rcan["trainset"]) == ("3", "rcan", "synth")
    assert (rcan["hmean_mean"], rcan["hmean_sd"]) == ("0.5500", "0.0500")
    assert (rcan["precision_mean"], rcan["precision_sd"], rcan["recall_mean"], rcan["recall_sd"]) == (
        "0.8600", "0.0100", "0.4200", "0.0200")
    assert (rcan["psnr_y_mean"], rcan["psnr_y_sd"], rcan["ssim_y_mean"], rcan["ssim_y_sd"]) == (
        "29.500", "0.500", "0.8850", "0.0050")


def test_summary_table_refuses_old_tables_and_repeated_seeds(tmp_path):
    (tmp_path / "sr.csv").write_text(SR)
    (tmp_path / "old.csv").write_text("dataset,protocol,scale,condition,method,trainset,precision,recall,hmean\n")
    with pytest.raises(ValueError, match=r"old\.csv: missing column\(s\) \['detector', 'seed'\]"):
        write_summary_table(tmp_path / "old.csv", tmp_path / "sr.csv", tmp_path / "s.csv")
    (tmp_path / "dup.csv").write_text(DET + DET.splitlines()[-1] + "\n")
    with pytest.raises(ValueError, match="two rows for synth, icdar2015, craft, 4, rcan@synth seed '3'"):
        write_summary_table(tmp_path / "dup.csv", tmp_path / "sr.csv", tmp_path / "s.csv")


def test_strata_table_rows(evals, tmp_path):
    # "good": 4 care GT, all 20 px high (bin 16-24), 2 matched -> recall 0.5; other bins empty
    write_strata_table([evals[0], evals[3]], tmp_path / "strata.csv")
    rows = read(tmp_path / "strata.csv")
    assert list(rows[0]) == STRATA_COLUMNS and len(rows) == 12
    assert [r["bin"] for r in rows[:6]] == ["<8", "8-12", "12-16", "16-24", "24-32", ">=32"]
    assert (rows[3]["condition"], rows[3]["seed"], rows[3]["n_gt"], rows[3]["n_matched"], rows[3]["recall"]) == (
        "hr", "", "4", "2", "0.5000")
    assert (rows[9]["condition"], rows[9]["seed"], rows[9]["scale"]) == ("rcan@s", "1", "4")
    assert (rows[0]["n_gt"], rows[0]["recall"]) == ("0", "")
    with pytest.raises(ValueError, match="evaluated with icdar2015, listed as icdar2013"):
        write_strata_table([{**evals[0], "protocol": "icdar2013"}], tmp_path / "s2.csv")
