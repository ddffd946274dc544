import json

import pytest
from PIL import Image

from textsr.report.figures import read_csv
from textsr.report.recognition import (
    RECOGNITION_COLUMNS, plot_recognition, recognition_panels, write_recognition_table,
)

REC = """dataset,scale,condition,method,trainset,seed,n_words,accuracy,e2e_hmean
synth,1,hr,,,,128,0.9000,0.8500
synth,4,lr,,,,128,0.0500,0.0100
synth,4,bicubic,bicubic,,,128,0.2000,0.0800
synth,4,rcan@synth,rcan,synth,1,128,0.3000,0.1500
synth,4,rcan@synth,rcan,synth,2,128,0.3400,0.1700
tz_easy,1,hr,,,,10,0.8000,
tz_easy,2,bicubic,bicubic,,,10,0.4000,
"""
DET = """dataset,protocol,detector,scale,condition,method,trainset,seed,precision,recall,hmean,n_images,n_gt,n_det
synth,icdar2015,craft,1,hr,,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,craft,4,lr,,,,0.9000,0.0800,0.1400,16,128,11
synth,icdar2015,craft,4,bicubic,bicubic,,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,0.8500,0.4000,0.5440,16,128,60
synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,0.8500,0.5000,0.6300,16,128,60
synth,icdar2015,other,4,rcan@synth,rcan,synth,2,0.1000,0.1000,0.1000,16,128,60
"""


def _json(tmp_path, name, **fields):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(fields))
    return path


def _key(dataset, scale, condition, seed=""):
    method, _, trainset = condition.partition("@")
    return {"dataset": dataset, "scale": scale, "condition": condition,
            "method": "" if condition in ("hr", "lr") else method, "trainset": trainset, "seed": seed}


def test_table_has_the_columns_fractions_and_empty_e2e_where_not_measured(tmp_path):
    a = _json(tmp_path, "a", n_words=8, n_correct=5, accuracy=0.625, e2e_hmean=0.123456)
    b = _json(tmp_path, "b", n_words=0, n_correct=0, accuracy=None, e2e_hmean=None)  # no scorable word
    c = _json(tmp_path, "c", n_words=3, n_correct=1, accuracy=1 / 3)  # TextZoom: no e2e field
    out = tmp_path / "recognition_table.csv"
    rows = write_recognition_table([a, b, c], [_key("synth", 1, "hr"), _key("td500", 4, "lr"),
                                               _key("tz_easy", 2, "rcan@synth", 3)], out)
    assert out.read_text().splitlines() == [
        ",".join(RECOGNITION_COLUMNS),
        "synth,1,hr,,,,8,0.6250,0.1235",
        "td500,4,lr,,,,0,,",
        "tz_easy,2,rcan@synth,rcan,synth,3,3,0.3333,",
    ]
    assert len(rows) == 3


def test_average_row_is_weighted_by_words_not_by_split(tmp_path):
    # easy 3/4, medium 1/2, hard 0/4: word-weighted 4/10 = 0.4000 (the mean of the three accuracies, 0.4167, is wrong)
    files = [_json(tmp_path, "e", n_words=4, n_correct=3, accuracy=0.75),
             _json(tmp_path, "m", n_words=2, n_correct=1, accuracy=0.5),
             _json(tmp_path, "h", n_words=4, n_correct=0, accuracy=0.0),
             _json(tmp_path, "e_hr", n_words=4, n_correct=4, accuracy=1.0)]  # hr of easy only: no average row
    keys = [_key("tz_easy", 2, "bicubic"), _key("tz_medium", 2, "bicubic"), _key("tz_hard", 2, "bicubic"),
            _key("tz_easy", 1, "hr")]
    out = tmp_path / "t.csv"
    rows = write_recognition_table(files, keys, out, averages={"textzoom": ["tz_easy", "tz_medium", "tz_hard"]})
    assert len(rows) == 5
    assert out.read_text().splitlines()[-1] == "textzoom,2,bicubic,bicubic,,,10,0.4000,"


def test_table_refuses_mismatched_lengths_and_non_recognition_json(tmp_path):
    a = _json(tmp_path, "a", precision=0.5)
    with pytest.raises(ValueError, match="2 row keys"):
        write_recognition_table([a], [_key("s", 1, "hr"), _key("s", 1, "hr")], tmp_path / "x.csv")
    with pytest.raises(ValueError, match="a.json: not a recognition result"):
        write_recognition_table([a], [_key("s", 1, "hr")], tmp_path / "x.csv")


def test_panels_average_seeds_use_the_first_detector_and_repeat_hr(tmp_path):
    (tmp_path / "r.csv").write_text(REC)
    (tmp_path / "d.csv").write_text(DET)
    panels, conditions, values = recognition_panels(read_csv(tmp_path / "r.csv"), read_csv(tmp_path / "d.csv"))
    assert panels == [("synth", 4), ("tz_easy", 2)]
    assert conditions == ["hr", "lr", "bicubic", "rcan@synth"]
    assert values["accuracy"][("synth", 4, "rcan@synth")] == pytest.approx([30.0, 34.0])
    assert values["accuracy"][("synth", 4, "hr")] == pytest.approx([90.0])  # hr (scale 1) in the x4 panel
    assert values["accuracy"][("tz_easy", 2, "hr")] == pytest.approx([80.0])
    assert values["hmean"][("synth", 4, "rcan@synth")] == pytest.approx([54.4, 63.0])  # detector "other" left out
    assert values["e2e"][("synth", 4, "lr")] == pytest.approx([1.0])
    assert ("tz_easy", 2, "bicubic") not in values["hmean"]
    _, _, other = recognition_panels(read_csv(tmp_path / "r.csv"), read_csv(tmp_path / "d.csv"), detector="other")
    assert other["hmean"] == {("synth", 4, "rcan@synth"): pytest.approx([10.0])}


def test_figure_is_column_wide_and_byte_identical_on_rerun(tmp_path):
    (tmp_path / "r.csv").write_text(REC)
    (tmp_path / "d.csv").write_text(DET)
    for name in ("a", "b"):
        plot_recognition(tmp_path / "r.csv", tmp_path / "d.csv", tmp_path / f"{name}.pdf", tmp_path / f"{name}.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    with Image.open(tmp_path / "a.png") as im:
        assert im.size[0] == 1050  # 3.5 in x 300 dpi
    no_detector_column = DET.replace(",detector", "").replace(",craft", "").replace(",other", "")
    (tmp_path / "d2.csv").write_text(no_detector_column)
    plot_recognition(tmp_path / "r.csv", tmp_path / "d2.csv", tmp_path / "c.pdf", tmp_path / "c.png")
    assert (tmp_path / "c.png").is_file()
