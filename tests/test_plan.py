"""The study's plan from a config (textsr.study.plan): conditions and seeds, per-set detectors, twins, teachers, jobs."""

from __future__ import annotations

import copy

import pytest

from textsr.study.plan import Condition, Plan

TINY = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
TRAIN = {"iterations": 10}


def _config(**over):
    cfg = {
        "seed": 1, "scales": [2, 4],
        "testsets": {"a": {"source": "synthetic", "protocol": "icdar2015"},
                     "tt": {"source": "catalog", "catalog": "totaltext", "gt": "mat", "protocol": "totaltext"},
                     "ctw": {"source": "catalog", "catalog": "ctw1500", "protocol": "ctw1500"}},
        "trainsets": {"a": {"source": "synthetic"},
                      "tz": {"source": "catalog", "catalog": "textzoom", "lr": "native",
                             "train": {"patch_size": 12}}},
        "srsets": {"tz_easy": {"source": "catalog", "catalog": "textzoom", "split": "test_easy", "lr": "native",
                               "labels": True},
                   "tz_hard": {"source": "catalog", "catalog": "textzoom", "split": "test_hard", "lr": "native",
                               "labels": True}},
        "conditions": ["hr", "lr", "bicubic"],
        "methods": {
            "rcan": {"arch": "rcan", "model": TINY, "train": TRAIN},
            "rcan_sa": {"arch": "rcan", "model": TINY, "train": TRAIN, "attention": {"places": ["group1"]}},
            "rcan_dat": {"arch": "rcan", "model": TINY, "train": TRAIN, "attention": {"places": ["group1"]},
                         "distill": {}},
            "rcan_fakd": {"arch": "rcan", "model": TINY, "train": TRAIN,
                          "kd": {"type": "fakd", "teacher": "rcan", "places": ["group0", "skip"]}},
            "rcan_fakd_dat": {"arch": "rcan", "model": TINY, "train": TRAIN, "attention": {"places": ["group1"]},
                              "distill": {}, "kd": {"type": "fakd", "teacher": "rcan", "places": ["group0", "skip"]}},
        },
        "craft": {"text_threshold": 0.7, "link_threshold": 0.4, "low_text": 0.4, "canvas_size": 1280,
                  "mag_ratio": 1.5},
    }
    cfg.update(over)
    return cfg


def test_trained_conditions_carry_the_seed_and_follow_the_sets_scales():
    plan = Plan(_config(seeds=[3, 4]))
    x2 = plan.trained_conditions(2)
    assert "rcan@a-s3" in x2 and "rcan@a-s4" in x2 and "rcan_dat@tz-s4" in x2
    assert not any("@tz" in c for c in plan.trained_conditions(4))  # TextZoom ships x2 only
    assert len(x2) == 5 * 2 * 2  # 5 methods x 2 training sets x 2 seeds
    c = Condition.parse("rcan_dat@tz-s4")
    assert (c.label, c.method, c.trainset, c.seed) == ("rcan_dat@tz", "rcan_dat", "tz", 4)
    # tz trains on its own (real) LR, applied to bicubic test LR and to its own test sets' LR alike; a trains on bi
    assert plan.model_file("rcan_dat@tz-s4", 2) == "results/models/rcan_dat/tz/real/s4/x2/model.pt"
    assert plan.model_file("rcan_dat@tz-s4", 2, "real") == "results/models/rcan_dat/tz/real/s4/x2/model.pt"
    assert plan.model_file("rcan@a-s3", 2, "real") == "results/models/rcan/a/bi/s3/x2/model.pt"
    assert plan.condition_columns("rcan_dat@tz-s4", "bi") == {
        "condition": "rcan_dat@tz", "method": "rcan_dat", "trainset": "tz", "seed": 4, "degradation": "bi",
        "train_degradation": "real"}


def test_seed_defaults_to_the_data_seed():
    assert Plan(_config()).seeds == [1]


def test_native_lr_sets_use_their_own_lr_folders():
    plan = Plan(_config())
    assert plan.lr_dir("tz_easy", "sr", 2) == "resources/datasets/textzoom/test_easy/lr/x2"
    assert plan.lr_dir("a", "test", 4) == "results/lr/a/test/bi/x4"
    assert plan.lr_dir("a", "train", 2, "bd") == "results/lr/a/train/bd/x2"
    assert plan.set_degradations("tz_easy", "sr") == ["real"] and plan.set_degradations("a", "test") == ["bi"]
    assert plan.lr_dir("tz", "train", 2) == "resources/datasets/textzoom/train/lr/x2"
    assert plan.train_options("rcan", "tz") == {"iterations": 10, "patch_size": 12}
    assert not plan.has_scale("tz_easy", "sr", 4)
    assert plan.catalog_request("textzoom") == {"splits": ["train", "test_easy", "test_hard"], "gt": None,
                                                "lr_scales": [2, 4]}


def test_each_test_set_has_its_own_detector_and_a_changed_setting_moves_only_its_paths():
    plan = Plan(_config())
    assert plan.detector("a")["name"] == "general-box"
    assert plan.detector("tt")["name"] == "general-poly"  # curved text: CRAFT's polygons by default
    before = {(c, d, s, g): plan.det_dir(c, d, s, g, k) for c, d, s, g, k in plan.detection_jobs()}
    cfg = _config()
    cfg["testsets"]["tt"]["detector"] = {"link_threshold": 0.2}
    after_plan = Plan(cfg)
    after = {(c, d, s, g): after_plan.det_dir(c, d, s, g, k) for c, d, s, g, k in after_plan.detection_jobs()}
    changed = {k for k in before if before[k] != after[k]}
    assert changed and all(d == "tt" for _, d, _, _ in changed)  # every condition of tt, nothing else
    assert after_plan.det_dir("hr", "tt", 1, "none", "general-poly-l0.2") == \
        "results/det/hr/tt/none/x1/general-poly-l0.2"
    assert len(changed) == len([j for j in before if j[1] == "tt"])


def test_two_detector_families_detect_every_condition_and_share_folders_per_family():
    cfg = _config()
    cfg["detectors"] = ["craft", "ppocrv6_det"]
    cfg["ppocrv6_det"] = {"box_thresh": 0.6}
    cfg["testsets"]["tt"]["detectors"] = ["ppocrv6_det"]
    plan = Plan(cfg)
    assert plan.detector_names("a") == ["general-box", "ppocrv6-db-bt0.6"]
    assert plan.detector_names("tt") == ["ppocrv6-db-bt0.6"]  # the set's own list wins; DB boxes on curved text
    assert plan.detector("a", "ppocrv6-db-bt0.6")["settings"]["box_thresh"] == 0.6
    jobs = plan.detection_jobs()
    single = Plan(_config()).detection_jobs()
    a_jobs = [j for j in jobs if j[1] == "a"]
    assert len(a_jobs) == 2 * len([j for j in single if j[1] == "a"])
    assert {j[4] for j in a_jobs} == {"general-box", "ppocrv6-db-bt0.6"}
    assert plan.det_dir("lr", "a", 4, "bi", "ppocrv6-db-bt0.6") == "results/det/lr/a/bi/x4/ppocrv6-db-bt0.6"
    # tables key every row by detector; recognition rows too (end-to-end scores depend on the detections)
    rows = [r for r in plan.eval_rows() if r["dataset"] == "a" and r["condition"] == "bicubic"]
    assert sorted(r["detector"] for r in rows) == ["general-box", "general-box", "ppocrv6-db-bt0.6",
                                                  "ppocrv6-db-bt0.6"]  # x2 and x4
    with pytest.raises(KeyError, match="has no detector 'general-poly'"):
        plan.detector("a", "general-poly")
    cfg["ppocrv6_det"] = {"box_threshold": 0.6}
    with pytest.raises(ValueError, match="unknown ppocrv6_det settings \\['box_threshold'\\]"):
        Plan(cfg).detection_jobs()


def test_missing_optional_weights_fall_back_to_the_general_model(tmp_path):
    cfg = _config()
    cfg["testsets"]["ctw"]["detector"] = {"refine": True}
    assert Plan(cfg, weights_dir=tmp_path).detector("ctw")["name"] == "general-poly-fallback"
    (tmp_path / "craft_refiner_CTW1500.pth").write_bytes(b"x")
    d = Plan(cfg, weights_dir=tmp_path).detector("ctw")
    assert d["name"] == "general+refiner-poly" and d["refiner_file"] == "craft_refiner_CTW1500.pth"


def test_twins_and_comparison_pairs():
    plan = Plan(_config())
    assert plan.twins("rcan_dat") == ["rcan", "rcan_sa"]
    assert plan.twins("rcan_fakd_dat") == ["rcan", "rcan_sa", "rcan_dat", "rcan_fakd"]  # the 2 x 2 corners
    assert plan.twins("rcan_sa") == [] and plan.twins("rcan") == []
    pairs = plan.comparison_pairs()
    assert ("lr", "bicubic") in pairs and ("hr", "bicubic") in pairs and ("rcan@a", "bicubic") in pairs
    assert ("rcan_dat@tz", "rcan_sa@tz") in pairs and ("rcan_fakd_dat@a", "rcan_fakd@a") in pairs


def test_kd_teacher_is_the_same_training_set_and_seed_and_cycles_are_refused():
    plan = Plan(_config())
    assert plan.kd_teacher("rcan_fakd", "tz", 7, 2) == "rcan@tz-s7"
    assert plan.kd_teacher("rcan", "tz", 7, 2) is None
    cfg = _config()
    cfg["methods"]["rcan"]["kd"] = {"type": "srkd", "teacher": "rcan_fakd", "places": ["group0"]}
    with pytest.raises(ValueError, match="cycle"):
        Plan(cfg)
    cfg = _config()
    cfg["methods"]["rcan_fakd"]["kd"]["teacher"] = "nosuch"
    with pytest.raises(ValueError, match="names no configured method"):
        Plan(cfg)


def test_method_errors_name_the_method():
    # planning checks what needs no network (keys, teacher layers); a place the network lacks (group7 of 2 groups)
    # is refused when the training job builds it (textsr.train), not here
    cfg = _config()
    cfg["methods"]["rcan_dat"]["distill"] = {"teacher_layers": ["relu9_9"]}
    with pytest.raises(ValueError, match="method 'rcan_dat'.*relu9_9"):
        Plan(cfg)
    cfg = _config()
    cfg["methods"]["rcan_sa"]["attention"] = {"places": ["group1"], "kernel": 3}
    with pytest.raises(ValueError, match="method 'rcan_sa'.*kernel"):
        Plan(cfg)
    cfg = _config()
    cfg["methods"]["rcan"]["trainsets"] = ["nosuchset"]
    with pytest.raises(ValueError, match="nosuchset"):
        Plan(cfg)


def test_teacher_cache_is_shared_by_methods_with_the_same_layers():
    plan = Plan(_config())
    assert plan.teacher_cache_dir("rcan_dat", "a", 4) == "results/teacher/a/relu3_2-p2.0"
    assert plan.teacher_cache_dir("rcan_dat", "a", 2) == "results/teacher/a/relu2_2-p2.0"  # stride = scale
    assert plan.teacher_cache_dir("rcan_sa", "a", 4) is None


def test_recognition_rows_cover_transcribed_test_sets_and_word_sets():
    plan = Plan(_config())
    rows = plan.recognition_rows()
    datasets = {r["dataset"] for r in rows}
    assert datasets == {"a", "tt", "tz_easy", "tz_hard"}  # ctw with its original labels has no transcriptions
    assert {r["condition"] for r in rows if r["dataset"] == "tz_easy"} >= {"hr", "lr", "bicubic", "rcan@tz"}
    assert plan.word_set_groups() == {"textzoom": ["tz_easy", "tz_hard"]}
    cfg = copy.deepcopy(_config())
    cfg["recognition"] = {"enabled": False}
    assert Plan(cfg).recognition_rows() == []


def test_compare_with_adds_pairs_that_are_no_twins():
    cfg = _config()
    cfg["methods"]["rcan_fakd"]["train"] = {"iterations": 20}  # another recipe: no longer a twin of anything
    cfg["methods"]["rcan_fakd"]["compare_with"] = ["rcan"]
    pairs = Plan(cfg).comparison_pairs()
    assert ("rcan_fakd@a", "rcan@a") in pairs and ("rcan_fakd_dat@a", "rcan_fakd@a") not in pairs
    cfg["methods"]["rcan_fakd"]["compare_with"] = ["nosuch"]
    with pytest.raises(ValueError, match="nosuch"):
        Plan(cfg)


def test_each_method_is_resolved_once_per_scale(monkeypatch):
    import textsr.study.plan as plan_module

    calls = []
    real = plan_module.resolve_method
    monkeypatch.setattr(plan_module, "resolve_method", lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    plan = Plan(_config())
    # 5 methods (all arch rcan) x scales [2, 4] = 10 resolutions while checking the config; later ones reuse them
    assert len(calls) == 10 and sorted(set(calls)) == [("rcan", 2), ("rcan", 4)]
    assert plan.spec("rcan_dat", 4) is plan.spec("rcan_dat", "4")
    plan.teacher_cache_dir("rcan_dat", "a", 4), plan.eval_rows(), plan.comparison_pairs()
    assert len(calls) == 10


# ------------------------------------------------------------- issue 21.10: one image set, two ground truths


def test_ground_truth_variants_of_one_image_set_share_lr_sr_and_detections(tmp_path):
    cfg = _config()
    cfg["testsets"]["ctw"].update(gt="original", detector={"refine": True})
    cfg["testsets"]["ctw_2020"] = {"source": "catalog", "catalog": "ctw1500", "gt": "2020", "protocol": "ctw1500",
                                   "detector": {"refine": True}}
    cfg["testsets"]["ctw_box"] = {"source": "catalog", "catalog": "ctw1500", "gt": "2020", "protocol": "ctw1500",
                                  "detector": {"poly": False}}
    plan = Plan(cfg, weights_dir=tmp_path)
    assert [plan.image_set(n) for n in ("ctw", "ctw_2020", "ctw_box", "tt", "a")] == ["ctw", "ctw", "ctw", "tt", "a"]
    # same images, same detector: one detection folder; evaluation stays per ground-truth variant
    fallback = "general-poly-fallback"
    assert plan.det_dir("bicubic", "ctw_2020", 4, "bi", fallback) == \
        plan.det_dir("bicubic", "ctw", 4, "bi", fallback) == "results/det/bicubic/ctw/bi/x4/general-poly-fallback"
    assert plan.eval_json("bicubic", "ctw_2020", 4, "bi", fallback) == \
        "results/eval/bicubic/ctw_2020/bi/x4/general-poly-fallback.json"
    assert plan.images("rcan@a-s1", "ctw_2020", 2) == "results/sr/rcan@a-s1/ctw/bi/x2"
    assert plan.lr_dir("ctw_2020", "test", 2) == "results/lr/ctw/test/bi/x2"
    # another detector on the same images: its own detections, keyed by the first set with that detector
    assert plan.det_dir("hr", "ctw_box", 1, "none", "general-box") == "results/det/hr/ctw_box/none/x1/general-box"
    # per set: hr + x2 (lr, bicubic, 5 methods x 2 training sets) + x4 (lr, bicubic, 5 methods x a; TextZoom is x2
    # only) = 1 + 12 + 7 = 20 detections; 5 sets evaluated, 4 detected (ctw_2020 reads ctw's folders)
    dets = {plan.det_dir(*job) for job in plan.detection_jobs()}
    assert len(plan.detection_jobs()) == 5 * 20 and len(dets) == 4 * 20


def test_a_missing_user_file_is_named_with_its_link_and_place():
    from textsr.study.missing import missing_weights, missing_weights_note

    note = missing_weights_note("craft_refiner_CTW1500.pth", ["ctw1500", "ctw1500_2020"])
    assert "resources/weights/craft_refiner_CTW1500.pth" in note and "drive.google.com" in note
    assert "ctw1500, ctw1500_2020 are detected with the General model" in note
    detectors = {"a": {"missing": []}, "ctw": {"missing": ["r.pth"]}, "ctw2": {"missing": ["r.pth", "i.pth"]}}
    assert missing_weights(detectors) == {"r.pth": ["ctw", "ctw2"], "i.pth": ["ctw2"]}


def test_craft_reproduction_keeps_a_reference_whose_weights_are_missing():
    from textsr.report.reproduction import needed_files, reproduction_rows

    assert needed_files("general+refiner-poly") == ["craft_refiner_CTW1500.pth"]
    assert needed_files("ic15-box-t0.85") == ["craft_ic15_20k.pth"] and needed_files("general-box") == []
    hr = [{"dataset": "ctw1500", "detector": "general-poly-fallback", "precision": "0.8", "recall": "0.7",
           "hmean": "0.7467"}]
    refs = [{"dataset": "ctw1500", "detector": "general+refiner-poly", "precision": 0.86, "recall": 0.811,
             "hmean": 0.835, "source": "OLD_README"}]
    rows = reproduction_rows(hr, refs)
    # ours 74.7 beside the reference 83.5, no difference (another detector), and the file the reference needs
    assert [(r["hmean"], r["ref_hmean"], r["diff_points"], r["check"]) for r in rows] == [
        ("74.7", "83.5", "", "needs craft_refiner_CTW1500.pth")]
