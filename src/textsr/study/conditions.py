"""Conditions: what a detection or SR job is run on, as a path component and as the tables' columns.

`hr` (detected once, listed at scale 1), `lr` (the LR image itself, boxes scaled back), `bicubic`, `rcan-official`,
and one trained condition per (method, training set, seed): `{method}@{trainset}-s{seed}` in paths,
`{method}@{trainset}` in the tables' `condition` column with the seed in their `seed` column.

Degradations (the config's `degradations`, `textsr.degrade.registry`) are a path segment and a table column of their
own: a trained condition is applied to the LR images of the degradation it was trained on (where its training set
has them; else see `textsr.study.degradation_axis`), except in a cross cell, which names its training degradation:
`{method}@{trainset}~{train_degradation}-s{seed}` (e.g. `rcan@synth~bi-s1234` on `realworld` LR images). `hr` has
the degradation NO_DEGRADATION, a set's own LR images NATIVE_DEGRADATION.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

BASELINES = ("hr", "lr", "bicubic", "rcan-official")
_TRAINED = re.compile(r"^(?P<method>[a-z0-9_]+)@(?P<trainset>[a-z0-9_]+)(~(?P<train>[a-z0-9_]+))?-s(?P<seed>\d+)$")
#: the default degradation: MATLAB bicubic (`textsr.degrade.registry.bi`)
DEFAULT_DEGRADATION = "bi"
#: the degradation of the `hr` condition (no LR image)
NO_DEGRADATION = "none"
#: the degradation of a data set's own LR images (`lr: native`: TextZoom's camera pairs, DIV2K's official LR)
NATIVE_DEGRADATION = "real"


@dataclass(frozen=True)
class Condition:
    """One condition as a path component (`name`) and as table columns (label, method, trainset, seed);
    `train_degradation`: a cross cell's training degradation ("" when it is the test images')."""

    name: str
    method: str = ""
    trainset: str = ""
    seed: int | None = None
    train_degradation: str = ""

    @classmethod
    def parse(cls, name: str) -> "Condition":
        m = _TRAINED.match(name)
        if m:
            return cls(name, m["method"], m["trainset"], int(m["seed"]), m["train"] or "")
        if name in ("hr", "lr"):
            return cls(name)
        if name in BASELINES:
            return cls(name, method=name)
        raise ValueError(f"not a condition: {name!r} (baselines {BASELINES} or method@trainset[~degradation]-s<seed>)")

    @property
    def trained(self) -> bool:
        return self.seed is not None

    @property
    def label(self) -> str:
        """The tables' `condition` column: the name without the seed."""
        if not self.trained:
            return self.name
        cross = f"~{self.train_degradation}" if self.train_degradation else ""
        return f"{self.method}@{self.trainset}{cross}"

    def model_degradation(self, degradation: str) -> str:
        """The degradation the model behind this condition was trained on, when applied to `degradation` images."""
        return self.train_degradation or degradation

    def columns(self, degradation: str = DEFAULT_DEGRADATION, train_degradation: str | None = None) -> dict[str, Any]:
        """The tables' condition columns on the LR images of `degradation` (hr: NO_DEGRADATION); `train_degradation`:
        that of the model's training images (default `model_degradation`, which knows no training set's own LR:
        the plan passes `Plan.train_degradation`); "" for an untrained condition."""
        if train_degradation is None:
            train_degradation = self.model_degradation(degradation) if self.trained else ""
        return {"condition": self.label, "method": self.method, "trainset": self.trainset,
                "seed": "" if self.seed is None else self.seed, "degradation": degradation,
                "train_degradation": train_degradation}


def trained_name(method: str, trainset: str, seed: int, train_degradation: str = "") -> str:
    """A trained condition's path component; `train_degradation` only for a cross cell."""
    return f"{method}@{trainset}{'~' + train_degradation if train_degradation else ''}-s{seed}"


def twins(methods: Mapping[str, Mapping], method: str) -> list[str]:
    """The methods a distilled method is compared with: same arch, model and train options, and a strict subset of
    its additions (attention gates, CRAFT distillation, an SR teacher) - e.g. rcan_dat: rcan and rcan_sa;
    rcan10x6_fakd_dat: rcan10x6, rcan10x6_sa, rcan10x6_fakd, rcan10x6_dat. `methods`: the config's methods."""
    def parts(name):
        return {k for k in ("attention", "distill", "kd") if methods[name].get(k) is not None}

    def base(name):
        m = methods[name]
        return (m.get("arch", name), repr(m.get("model")), repr(m.get("train")))

    mine = parts(method)
    if not mine & {"distill", "kd"}:
        return []
    out = []
    for other in methods:
        theirs = parts(other)
        if other == method or base(other) != base(method) or not theirs < mine:
            continue
        if any(methods[other][k] != methods[method][k] for k in theirs):
            continue
        out.append(other)
    return out
