import json

import numpy as np
import pytest

from textsr.util.imageio import write_png
from textsr.report.qualitative import Crop, disagreement, outcome, plot_qualitative, select_crops


def _box(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


# One 200 x 100 image, two words: A on the left (centre x 40), B on the right (centre x 160).
GT = [_box(20, 40, 60, 60), _box(140, 40, 180, 60)]


def _record(matched, false_dets=()):
    """A per-image record: detections equal to the matched GT boxes, plus false detections."""
    det = [GT[g] for g in matched] + list(false_dets)
    return {"gt": GT, "gt_dontcare": [False, False], "det": det, "det_dontcare": [False] * len(det),
            "matches": [[g, i] for i, g in enumerate(matched)]}


def test_outcome_reads_matched_missed_and_false():
    o = outcome(_record([1], false_dets=[_box(90, 10, 100, 20)]))
    assert o.gt_matched.tolist() == [False, True] and o.det_matched.tolist() == [True, False]
    assert o.gt_care.all() and o.det_care.all()


def test_disagreement_counts_differing_matches_and_false_detections_per_pair():
    crop_b = Crop("img", 128, 26, 192, 74)
    outs = [outcome(_record([0])), outcome(_record([0, 1])), outcome(_record([0, 1], [_box(150, 30, 170, 35)]))]
    # B matched: no, yes, yes -> pairs (0,1), (0,2) differ = 2; false detections in crop 0, 0, 1 -> 1 + 1 = 2
    assert disagreement(outs, crop_b) == 4
    assert disagreement(outs, Crop("img", 8, 26, 72, 74)) == 0  # everyone matches A


def test_crop_goes_where_the_sr_conditions_differ():
    records = {
        "lr": {"img": _record([])},
        "bicubic": {"img": _record([0])},        # misses B
        "rcan@s": {"img": _record([0, 1])},
        "rcan_dat@s": {"img": _record([0, 1])},
        "hr": {"img": _record([0, 1])},
    }
    crops = select_crops(records, {"img": (200, 100)}, crop_size=(64, 48), n_crops=1)
    # window centred on B (160, 50): x 128..192, y 26..74; rank_by = bicubic, rcan, rcan_dat: B matched by
    # 2 of 3 -> 1 x 2 = 2 differing pairs; all five conditions: 2 miss (lr, bicubic) x 3 match = 6
    assert crops == [Crop("img", 128, 26, 192, 74, score=2.0, score_all=6.0)]


def test_ties_among_sr_conditions_fall_back_to_all_conditions():
    records = {
        "lr": {"img": _record([1])},             # LR alone differs, on A
        "bicubic": {"img": _record([0, 1])},
        "rcan@s": {"img": _record([0, 1])},
    }
    crops = select_crops(records, {"img": (200, 100)}, crop_size=(64, 48), n_crops=1)
    assert (crops[0].x0, crops[0].score, crops[0].score_all) == (8, 0.0, 2.0)  # A: lr differs from 2 others


def test_crops_prefer_distinct_images_and_never_overlap():
    rec = {"a": _record([0]), "b": _record([1])}
    records = {"bicubic": rec, "rcan@s": {"a": _record([0, 1]), "b": _record([0, 1])}}
    sizes = {"a": (200, 100), "b": (200, 100)}
    crops = select_crops(records, sizes, crop_size=(64, 48), n_crops=2)
    assert [(c.stem, c.x0) for c in crops] == [("a", 128), ("b", 8)]
    crops = select_crops(records, {"a": (200, 100)}, crop_size=(64, 48), n_crops=3)
    assert [(c.stem, c.x0) for c in crops] == [("a", 128), ("a", 8)]  # only 2 non-overlapping windows exist


def test_windows_grow_for_large_words_and_stay_inside_the_image():
    big = {"gt": [_box(0, 0, 150, 90)], "gt_dontcare": [False], "det": [], "det_dontcare": [], "matches": []}
    crops = select_crops({"a": {"x": big}, "b": {"x": big}}, {"x": (200, 100)}, crop_size=(64, 48), n_crops=1)
    c = crops[0]
    assert (c.x0, c.y0) == (0, 0) and c.x1 <= 200 and c.y1 == 100  # 1.5 x 90 px > 100: clipped to the height


def test_unknown_rank_condition_is_an_error():
    with pytest.raises(ValueError, match="rank_by"):
        select_crops({"a": {}}, {}, rank_by=["b"])


def test_plot_qualitative_writes_pdf_and_png(tmp_path):
    rng = np.random.default_rng(0)
    hr = rng.integers(0, 255, (100, 200, 3), dtype=np.uint8)
    write_png(tmp_path / "hr" / "img.png", hr)
    write_png(tmp_path / "lr" / "img.png", hr[::4, ::4].copy())  # 50 x 25, shown blown up x4
    conditions = ["lr", "bicubic", "hr"]
    evals = []
    for cond, rec in zip(conditions, [_record([]), _record([0], [_box(150, 62, 170, 72)]), _record([0, 1])]):
        path = tmp_path / f"{cond}.json"
        path.write_text(json.dumps({"per_image": {"img": rec}}))
        evals.append(path)
    dirs = [tmp_path / "lr", tmp_path / "hr", tmp_path / "hr"]
    crops = plot_qualitative(conditions, evals, dirs, tmp_path / "hr", tmp_path / "q.pdf", tmp_path / "q.png",
                             scale=4, crop_size=(64, 48), n_crops=2)
    assert [c.x0 for c in crops] == [128, 8]
    assert (tmp_path / "q.pdf").stat().st_size > 0 and (tmp_path / "q.png").stat().st_size > 0
