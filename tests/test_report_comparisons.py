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
                "degradation": "none" if condition == "hr" else "bi", "condition": condition,
                "method": method if condition not in ("hr", "lr") else "", "trainset": trainset,
                "train_degradation": "bi" if trainset else "", "seed": seed, "path": paths[which]}

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
    got = [(r["scale"], r["role"], r["condition_a"], r["condition_b"], r["seeds"], r["seed_diffs"], r["hmean_a"],
            r["hmean_b"], r["diff"], r["ci_low"], r["ci_high"], r["half_width"], r["ci90_low"], r["ci90_high"],
            r["img_ci_low"], r["img_ci_high"]) for r in rows]
    # one image draw D in {0 (p 1/4), 2/7 (1/2), 1 (1/4)} for good - bad (fixture); good - good is 0.
    assert got == [
        # hr (scale 1) is compared at every scale; untrained on both sides: seeds 0, the image interval only
        ("2", "sanity", "hr", "bicubic", "0", "", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", "0.5000",
         "0.0000", "1.0000", "0.0000", "1.0000"),
        ("4", "sanity", "hr", "bicubic", "0", "", "0.5714", "0.2857", "0.2857", "0.0000", "1.0000", "0.5000",
         "0.0000", "1.0000", "0.0000", "1.0000"),
        # seed 1 good - bad = D, seed 2 bad - bad = 0. Two-stage: v_1 copies of seed 1 (2, 1, 0 w.p. 1/4, 1/2,
        # 1/4) -> v_1 D / 2: 0 (7/16), 1/7 (1/4), 2/7 (1/8), 1/2 (1/8), 1 (1/16): 2.5 % and 5 % -> 0, 97.5 % and
        # 95 % in 1's top 6.25 % -> [0, 1]. Image only (seeds as run): D/2 in {0, 1/7, 1/2} -> [0, 0.5].
        ("4", "sanity", "rcan@s", "bicubic", "2", "1:0.2857 2:0.0000", "0.4286", "0.2857", "0.1429", "0.0000",
         "1.0000", "0.5000", "0.0000", "1.0000", "0.0000", "0.5000"),
        # both seeds good - bad: D whatever the seed draw -> [0, 1]
        ("4", "sanity", "rcan_dat@s", "bicubic", "2", "1:0.2857 2:0.2857", "0.5714", "0.2857", "0.2857", "0.0000",
         "1.0000", "0.5000", "0.0000", "1.0000", "0.0000", "1.0000"),
        # seed 1 good - good = 0, seed 2 good - bad = D: as rcan@s - bicubic
        ("4", "secondary", "rcan_dat@s", "rcan@s", "2", "1:0.0000 2:0.2857", "0.5714", "0.4286", "0.1429",
         "0.0000", "1.0000", "0.5000", "0.0000", "1.0000", "0.0000", "0.5000"),
    ]
    by = {(r["scale"], r["condition_a"], r["condition_b"]): r for r in rows}
    hr = by[("2", "hr", "bicubic")]
    # p = 2 P*(d <= 0) = 2/4; p_equiv = P*(d >= 0.03) = 3/4; SE of {0, 2/7, 1} w.p. 1/4, 1/2, 1/4: mean 11/28,
    # E[x^2] = 1/4 + 2/49 -> sd 0.36943, MDE 2.8016 sd = 1.0350. Sanity rows: no Holm, verdict from p itself.
    assert (float(hr["p"]), float(hr["p_equiv"])) == pytest.approx((0.5, 0.75), abs=0.03)
    assert (float(hr["mde"]), hr["p_holm"], hr["verdict"]) == (pytest.approx(1.0350, abs=0.02), "", "inconclusive")
    sec = by[("4", "rcan_dat@s", "rcan@s")]
    # P*(d <= 0) = 7/16 -> p 0.875; p_equiv = P*(d >= 0.03) = 9/16. A family of one row: Holm leaves both as they are
    assert (float(sec["p"]), float(sec["p_equiv"])) == pytest.approx((0.875, 0.5625), abs=0.03)
    assert (sec["p_holm"], sec["p_equiv_holm"], sec["verdict"]) == (sec["p"], sec["p_equiv"], "inconclusive")
    assert {(r["n_images"], r["n_resamples"], r["protocol"], r["detector"]) for r in rows} == {
        ("2", "10000", "icdar2015", "craft")}
    # every comparison has its own RNG stream: hr - bicubic at x2 and x4 draw differently (same interval, other p)
    assert by[("2", "hr", "bicubic")]["p"] != by[("4", "hr", "bicubic")]["p"]
    before = out.read_bytes()
    write_comparisons(evals, pairs, out)
    assert out.read_bytes() == before  # deterministic


def test_primary_comparison_is_named_first_and_the_rest_are_holm_adjusted(evals, tmp_path):
    sa = [{**e, "condition": "rcan_sa@s", "method": "rcan_sa"} for e in evals if e["condition"] == "rcan@s"]
    pairs = [("rcan@s", "bicubic"), ("rcan_dat@s", "rcan@s"), ("rcan_dat@s", "rcan_sa@s")]
    rows = write_comparisons(evals + sa, pairs, tmp_path / "c.csv", primary=["rcan", "rcan_dat"])
    got = [(r["role"], r["condition_a"], r["condition_b"], r["diff"]) for r in rows if r["scale"] == "4"]
    # the primary as named (pairs hold it the other way round, and it is not repeated): rcan - rcan_dat = -1/7
    assert got == [("primary", "rcan@s", "rcan_dat@s", "-0.1429"), ("sanity", "rcan@s", "bicubic", "0.1429"),
                   ("secondary", "rcan_dat@s", "rcan_sa@s", "0.1429")]
    primary = rows[0]
    # alone in its family: unadjusted. p = 2 P*(d >= 0) = 2 * 7/16; p_equiv = P*(d <= -0.03) = 9/16
    assert (primary["p_holm"], primary["p_equiv_holm"]) == (primary["p"], primary["p_equiv"])
    assert float(primary["p"]) == pytest.approx(0.875, abs=0.03)
    # a family of two secondary rows (rcan_dat - rcan_sa, and rcan_dat - rcan once rcan is not primary):
    # p ~ 0.875, p_equiv ~ 0.5625 each; 4 tests, at most 2 true: the equivalence p-values x 2 > 1 -> 1
    rows = write_comparisons(evals + sa, pairs, tmp_path / "c.csv", primary=["rcan", "bicubic"])
    sec = [r for r in rows if r["role"] == "secondary"]
    assert [(r["condition_a"], r["condition_b"]) for r in sec] == [("rcan_dat@s", "rcan@s"),
                                                                    ("rcan_dat@s", "rcan_sa@s")]
    assert all(0.5 < float(r["p_equiv"]) < 0.65 and r["p_equiv_holm"] == r["p_holm"] == "1.0000" for r in sec), sec
    with pytest.raises(ValueError, match=r"primary \['rcan', 'dat'\]: no test set"):
        write_comparisons(evals, pairs, tmp_path / "c.csv", primary=["rcan", "dat"])


def test_one_training_seed_gives_no_method_level_verdict(evals, tmp_path):
    one_seed = [e for e in evals if e["seed"] in ("", "1")]
    write_comparisons(one_seed, [("hr", "bicubic"), ("rcan_dat@s", "rcan@s")], tmp_path / "c.csv",
                      primary=["rcan_dat", "rcan"])
    rows = read(tmp_path / "c.csv")
    r = next(r for r in rows if r["condition_a"] == "rcan_dat@s")
    # seed 1: good - good = 0 on every draw; the two-stage interval is the image one, and it says nothing
    # about training runs: no verdict, no test in the family (it would otherwise read "equivalent within ±0.03")
    assert (r["role"], r["seeds"], r["seed_diffs"], r["diff"], r["ci_low"], r["ci_high"]) == (
        "primary", "1", "1:0.0000", "0.0000", "0.0000", "0.0000")
    assert (r["verdict"], r["p_holm"], r["p_equiv_holm"], r["p_equiv"]) == ("none (seeds=1)", "", "", "0.0000")
    # untrained pairs keep their verdict: seeds 0
    assert next(r for r in rows if r["condition_a"] == "hr")["seeds"] == "0"
    # other seed sets: only the shared seed is paired (rcan_dat seeds 3, 2 vs rcan 1, 2 -> seed 2: good - bad)
    moved = [{**e, "seed": "3"} if (e["condition"], e["seed"]) == ("rcan_dat@s", "1") else e for e in evals]
    write_comparisons(moved, [("rcan_dat@s", "rcan@s")], tmp_path / "m.csv")
    (r,) = read(tmp_path / "m.csv")
    assert (r["seeds"], r["seed_diffs"], r["diff"], r["verdict"]) == ("1", "2:0.2857", "0.2857", "none (seeds=1)")


def test_comparisons_pair_conditions_within_one_degradation_and_hr_with_each(evals, tmp_path):
    good, bad = evals[0]["path"], evals[1]["path"]
    # on bd LR images at x4: bicubic finds as "good", both rcan@s seeds as "bad" (bi: bicubic bad, rcan good / bad)
    bd = [{**evals[2], "degradation": "bd", "path": good},
          *({**e, "degradation": "bd", "train_degradation": "bd", "path": bad} for e in evals[3:5])]
    write_comparisons(evals + bd, [("hr", "bicubic"), ("rcan@s", "bicubic")], tmp_path / "c.csv", n_resamples=200)
    rows = read(tmp_path / "c.csv")
    got = [(r["scale"], r["degradation"], r["condition_a"], r["seeds"], r["seed_diffs"], r["hmean_a"], r["hmean_b"])
           for r in rows]
    # H good 4/7, bad 2/7 (fixture); merged, x4 would mix bicubic bad and good and refuse rcan@s's repeated seeds
    assert got == [("2", "bi", "hr", "0", "", "0.5714", "0.2857"),
                   ("4", "bi", "hr", "0", "", "0.5714", "0.2857"),
                   ("4", "bi", "rcan@s", "2", "1:0.2857 2:0.0000", "0.4286", "0.2857"),
                   ("4", "bd", "hr", "0", "", "0.5714", "0.5714"),
                   ("4", "bd", "rcan@s", "2", "1:-0.2857 2:-0.2857", "0.2857", "0.5714")]


def test_strata_rows_carry_the_degradation(evals, tmp_path):
    rows = write_strata_table([evals[0], {**evals[3], "degradation": "bd"}], tmp_path / "strata.csv")
    assert [(r["condition"], r["degradation"]) for r in rows[::6]] == [("hr", "none"), ("rcan@s", "bd")]


def test_comparisons_refuse_two_evaluations_of_one_run(evals, tmp_path):
    with pytest.raises(ValueError, match="two evaluations of rcan@s seed '1'"):
        write_comparisons(evals + [evals[3]], [("rcan@s", "bicubic")], tmp_path / "c.csv")


DET = """dataset,protocol,detector,scale,degradation,condition,method,trainset,train_degradation,seed,precision,recall,\
hmean,n_images,n_gt,n_det
synth,icdar2015,craft,1,none,hr,,,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,craft,4,bi,bicubic,bicubic,,,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,craft,4,bi,rcan@synth,rcan,synth,bi,1,0.8500,0.4000,0.5000,16,128,60
synth,icdar2015,craft,4,bi,rcan@synth,rcan,synth,bi,2,0.8700,0.4400,0.6000,16,128,64
synth,icdar2015,craft,4,bi,rcan@synth,rcan,synth,bi,3,0.8600,0.4200,0.5500,16,128,62
"""
SR = """dataset,scale,degradation,condition,method,trainset,train_degradation,seed,psnr_y,ssim_y,n_images
synth,4,bi,bicubic,bicubic,,,,28.223,0.8546,16
synth,4,bi,rcan@synth,rcan,synth,bi,1,29.000,0.8800,16
synth,4,bi,rcan@synth,rcan,synth,bi,2,30.000,0.8900,16
synth,4,bi,rcan@synth,rcan,synth,bi,3,29.500,0.8850,16
set5,4,bi,rcan@synth,rcan,synth,bi,1,30.000,0.9000,5
"""
#: the DET and SR rows of rcan@synth again on `bd` LR images, with other numbers: H 0.10, 0.20 (mean 0.15, sd
#: 0.0707), PSNR 20, 22 (mean 21, sd 1.414); merged with bi they would give 5 seeds with repeated seed numbers
DET_BD = """synth,icdar2015,craft,4,bd,rcan@synth,rcan,synth,bd,1,0.5000,0.0500,0.1000,16,128,10
synth,icdar2015,craft,4,bd,rcan@synth,rcan,synth,bd,2,0.6000,0.1000,0.2000,16,128,17
"""
SR_BD = """synth,4,bd,rcan@synth,rcan,synth,bd,1,20.000,0.5000,16
synth,4,bd,rcan@synth,rcan,synth,bd,2,22.000,0.6000,16
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


def test_summary_table_keeps_degradations_apart(tmp_path):
    (tmp_path / "det.csv").write_text(DET + DET_BD)
    (tmp_path / "sr.csv").write_text(SR + SR_BD)
    write_summary_table(tmp_path / "det.csv", tmp_path / "sr.csv", tmp_path / "summary.csv")
    rows = read(tmp_path / "summary.csv")
    assert [(r["degradation"], r["condition"], r["n_seeds"]) for r in rows] == [
        ("none", "hr", "1"), ("bi", "bicubic", "1"), ("bi", "rcan@synth", "3"), ("bd", "rcan@synth", "2")]
    bi, bd = rows[2], rows[3]
    assert (bi["hmean_mean"], bi["hmean_sd"], bi["psnr_y_mean"], bi["train_degradation"]) == (
        "0.5500", "0.0500", "29.500", "bi")
    # bd: H 0.10, 0.20 -> mean 0.15, sd sqrt(2 * 0.05^2) = 0.0707; PSNR 20, 22 -> 21, sd sqrt(2) = 1.414
    assert (bd["hmean_mean"], bd["hmean_sd"], bd["psnr_y_mean"], bd["psnr_y_sd"], bd["train_degradation"]) == (
        "0.1500", "0.0707", "21.000", "1.414", "bd")


def test_summary_table_refuses_old_tables_and_repeated_seeds(tmp_path):
    (tmp_path / "sr.csv").write_text(SR)
    (tmp_path / "old.csv").write_text("dataset,protocol,scale,condition,method,trainset,precision,recall,hmean\n")
    with pytest.raises(ValueError, match=r"old\.csv: missing column\(s\) \['detector', 'degradation', "
                                         r"'train_degradation', 'seed'\]"):
        write_summary_table(tmp_path / "old.csv", tmp_path / "sr.csv", tmp_path / "s.csv")
    (tmp_path / "dup.csv").write_text(DET + DET.splitlines()[-1] + "\n")
    with pytest.raises(ValueError, match="two rows for synth, icdar2015, craft, 4, bi, rcan@synth seed '3'"):
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
