"""The degradation axis of a study plan (issue 24): the degradations of a set's LR images, the trained conditions
that super-resolve each, and the degradation the model behind each was trained on.

A trained condition `{method}@{trainset}-s{seed}` applied to LR images of degradation g uses the model trained on g
LR images of its training set; where the training set has none (its own LR, `lr: native`, against made test LR, or
made training LR against a set's own test LR) the model trained on the training set's first degradation. Its label
stays `{method}@{trainset}` and the tables' `train_degradation` column says which model it was. A cross cell of the
config (`cross_degradations: [{train, test, methods}]`) names its training degradation in the condition:
`{method}@{trainset}~{train}-s{seed}`, labelled `{method}@{trainset}~{train}`, on the `test` LR images only.
"""

from __future__ import annotations

from typing import Any

from textsr.study.conditions import DEFAULT_DEGRADATION, NATIVE_DEGRADATION, Condition, trained_name


class DegradationAxis:
    """Mixin of `textsr.study.plan.Plan`: reads its `degradations` ({name: options}), `cross` (the config's
    cross_degradations), methods, trainsets, seeds and scales, and calls its native_lr and trains."""

    degradations: dict[str, dict]
    cross: list[dict]

    def set_degradations(self, name: str, role: str) -> list[str]:
        """The degradations of a set's LR images in a role: [NATIVE_DEGRADATION] for a set with its own LR, else
        every degradation of the config (config order)."""
        return [NATIVE_DEGRADATION] if self.native_lr(name, role) else list(self.degradations)

    def degradation(self, name: str) -> tuple[str, dict]:
        """(registry function, its options) of a configured degradation (`textsr.degrade.registry.DEGRADATIONS`)."""
        options = dict(self.degradations[name])
        return options.pop("type", name), options

    def _check_cross(self) -> None:
        """Every cross cell names two different configured degradations and configured methods, and each of its
        methods trains on some training set that has LR images of the cell's training degradation."""
        for cell in self.cross:
            unknown = [cell[k] for k in ("train", "test") if cell[k] not in self.degradations]
            unknown += [m for m in cell.get("methods", []) if m not in self.methods]
            if unknown or cell["train"] == cell["test"]:
                raise ValueError(f"config: cross_degradations {cell}: {unknown or 'train equals test'} (degradations: "
                                 f"{list(self.degradations)}, methods: {list(self.methods)})")
            modelled = {m for s in self.scales for m, _ in self._cross_models(cell, s)}
            for m in cell.get("methods") or self.methods:
                if m not in modelled:
                    raise ValueError(f"config: cross_degradations {cell}: method '{m}' trains on no training set "
                                     f"with '{cell['train']}' LR images (a set with its own LR has only "
                                     f"'{NATIVE_DEGRADATION}'), so the cell would have no model")

    def _cross_models(self, cell: dict, scale: int) -> list[tuple[str, str]]:
        """(method, training set) of each model a cross cell uses at `scale`: its methods on the training sets they
        train on that have LR images of the cell's training degradation."""
        return [(m, t) for m in cell.get("methods") or self.methods for t in self.trainsets
                if self.trains(m, t, scale) and cell["train"] in self.set_degradations(t, "train")]

    def trained_conditions(self, scale: int, degradation: str = DEFAULT_DEGRADATION) -> list[str]:
        """Every trained condition at `scale` on the LR images of `degradation`: methods x training sets they train on
        at that scale x seeds, then the config's cross cells tested on `degradation` (training sets that have LR
        images of the cell's training degradation)."""
        out = [trained_name(m, t, s) for m in self.methods for t in self.trainsets if self.trains(m, t, scale)
               for s in self.seeds]
        for cell in self.cross:
            if cell["test"] != degradation:
                continue
            out += [trained_name(m, t, s, cell["train"]) for m, t in self._cross_models(cell, scale)
                    for s in self.seeds]
        return list(dict.fromkeys(out))

    def train_degradation(self, condition: str, degradation: str) -> str:
        """The degradation of the training LR images of the model behind trained `condition` when it super-resolves
        `degradation` LR images: a cross cell's own, else `degradation` where the training set has it, else the
        training set's first (see the module docstring)."""
        c = Condition.parse(condition)
        if c.train_degradation:
            return c.train_degradation
        own = self.set_degradations(c.trainset, "train")
        return degradation if degradation in own else own[0]

    def condition_columns(self, condition: str, degradation: str) -> dict[str, Any]:
        """The tables' condition columns (`Condition.columns`) of `condition` on `degradation` images, with the
        training degradation of its model (`train_degradation`; "" for an untrained condition)."""
        c = Condition.parse(condition)
        return c.columns(degradation, self.train_degradation(condition, degradation) if c.trained else "")

    def cross_labels(self) -> list[str]:
        """The labels of the config's cross cells (`method@trainset~train`), sorted."""
        return sorted({Condition.parse(c).label for s in self.scales for g in self.degradations
                       for c in self.trained_conditions(s, g) if Condition.parse(c).train_degradation})
