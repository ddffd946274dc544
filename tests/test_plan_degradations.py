"""The degradation axis of the plan (issue 24): every trained condition per degradation, the model behind it, cross
cells and their comparisons, and the config errors that would otherwise drop a cell silently."""

from __future__ import annotations

import pytest

from textsr.study.plan import Plan

TINY = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}


def _config(**over):
    cfg = {
        "seed": 1, "seeds": [1, 2], "scales": [2],
        "testsets": {"a": {"source": "synthetic", "protocol": "icdar2015"}},
        "trainsets": {"a": {"source": "synthetic"},
                      "tz": {"source": "catalog", "catalog": "textzoom", "lr": "native"}},
        "conditions": ["hr", "lr", "bicubic"],
        "degradations": {"bi": {}, "bd": {}, "realworld": {}},
        "cross_degradations": [{"train": "bi", "test": "realworld", "methods": ["rcan"]}],
        "methods": {"rcan": {"arch": "rcan", "model": TINY, "trainsets": ["a"]},
                    "rcan_tz": {"arch": "rcan", "model": TINY, "trainsets": ["tz"]}},
        "craft": {},
    }
    cfg.update(over)
    return cfg


def test_each_set_has_the_configured_degradations_or_its_own_lr():
    plan = Plan(_config())
    assert plan.set_degradations("a", "test") == ["bi", "bd", "realworld"]
    assert plan.set_degradations("tz", "train") == ["real"]


def test_trained_conditions_per_degradation_add_the_cross_cell_on_its_test_degradation_only():
    plan = Plan(_config())
    matched = ["rcan@a-s1", "rcan@a-s2", "rcan_tz@tz-s1", "rcan_tz@tz-s2"]
    assert plan.trained_conditions(2, "bd") == matched
    assert plan.trained_conditions(2, "realworld") == matched + ["rcan@a~bi-s1", "rcan@a~bi-s2"]


def test_the_model_behind_a_condition_is_trained_on_its_test_degradation_else_its_own_lr_or_the_cells():
    plan = Plan(_config())
    assert plan.train_degradation("rcan@a-s1", "bd") == "bd"
    assert plan.train_degradation("rcan_tz@tz-s1", "bd") == "real"  # TextZoom's models: its own LR, every test
    assert plan.train_degradation("rcan@a~bi-s2", "realworld") == "bi"
    assert plan.condition_columns("rcan@a~bi-s2", "realworld") == {
        "condition": "rcan@a~bi", "method": "rcan", "trainset": "a", "seed": 2, "degradation": "realworld",
        "train_degradation": "bi"}


def test_a_cross_cell_is_compared_with_bicubic_and_with_its_matched_model():
    pairs = Plan(_config()).comparison_pairs()
    assert ("rcan@a~bi", "bicubic") in pairs and ("rcan@a~bi", "rcan@a") in pairs


@pytest.mark.parametrize("cell, message", [
    ({"train": "bi", "test": "bi"}, "train equals test"),
    ({"train": "jpeg", "test": "bi"}, "'jpeg'"),
    ({"train": "bi", "test": "bd", "methods": ["rcan_tz"]}, "method 'rcan_tz' trains on no training set with 'bi'"),
])
def test_a_cross_cell_without_a_model_or_with_unknown_names_is_refused(cell, message):
    with pytest.raises(ValueError, match=message):
        Plan(_config(cross_degradations=[cell]))
