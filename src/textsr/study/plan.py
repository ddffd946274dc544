"""The study's plan from a validated config: data sets and their folders, conditions and seeds, detectors, jobs and
result paths. Pure functions of the config (nothing here knows Snakemake); the workflow's input functions and
rule lists call them, and tests call them directly. Paths come from `textsr.study.layout`'s patterns; nothing here
imports torch or builds a network (the Snakefile imports this at parse time): method specs are resolved by the
torch-free `textsr.train.spec`, once per (method, scale), and checked against the network at job time.

Conditions (`hr`, `lr`, `bicubic`, `rcan-official`, `{method}@{trainset}[~{train}]-s{seed}`):
`textsr.study.conditions`; degradations, cross cells and the model behind each trained condition:
`textsr.study.degradation_axis`; the SR-fidelity and recognition rows: `textsr.study.reading`.
"""

from __future__ import annotations

import functools
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from textsr.data import catalog as CATALOG
from textsr.inference.detectors import resolve_detectors
from textsr.study import layout
from textsr.study.conditions import (  # noqa: F401 (re-exported)
    BASELINES, DEFAULT_DEGRADATION, NATIVE_DEGRADATION, NO_DEGRADATION, Condition, trained_name, twins,
)
from textsr.study.degradation_axis import DegradationAxis
from textsr.study.reading import ReadingRows
from textsr.train.spec import MethodSpec, resolve_options as resolve_method, teacher_cache_key

ROLES = ("test", "train", "sr")


class Plan(DegradationAxis, ReadingRows):
    """Everything the workflow derives from one config (see the module docstring). `weights_dir`: where optional
    CRAFT checkpoints are looked for at planning time (a missing one makes its test set fall back)."""

    def __init__(self, config: Mapping[str, Any], *, weights_dir: str | Path = layout.WEIGHTS_DIR):
        self.config = config
        self.weights_dir = Path(weights_dir)
        self._specs: dict[tuple[str, int], MethodSpec] = {}
        self._native_scales: dict[tuple[str, str], set[int]] = {}
        self.scales = [int(s) for s in config["scales"]]
        self.testsets = dict(config["testsets"])
        self.trainsets = dict(config.get("trainsets") or {})
        self.srsets = dict(config.get("srsets") or {})
        self.methods = dict(config.get("methods") or {})
        self.seeds = [int(s) for s in (config.get("seeds") or [config["seed"]])]
        self.baselines = list(config["conditions"])
        self.degradations = dict(config.get("degradations") or {DEFAULT_DEGRADATION: {}})
        self.cross = list(config.get("cross_degradations") or [])
        self.sets = self._sets_by_name()
        self._check()

    # ------------------------------------------------------------------------------------------- data sets

    def _sets_by_name(self) -> dict[str, dict]:
        """Every named data set; one name is one data set whatever its roles (test, train, sr)."""
        merged: dict[str, dict] = {}
        for role, sets in (("test", self.testsets), ("train", self.trainsets), ("sr", self.srsets)):
            for name, spec in sets.items():
                where = {k: spec.get(k) for k in ("source", "catalog", "path")}
                if name in merged and merged[name] != where:
                    raise ValueError(f"config: '{name}' names two different data sets ({merged[name]} and {where})")
                merged[name] = where
        return merged

    def _check(self) -> None:
        catalog_keys = set(self.catalog_keys)
        for name, spec in self.sets.items():
            if spec["source"] == "catalog" and not spec["catalog"]:
                raise ValueError(f"config: data set '{name}' has source catalog but no 'catalog' key")
            if spec["source"] == "folder" and not spec["path"]:
                raise ValueError(f"config: data set '{name}' has source folder but no 'path' key")
            if spec["source"] != "catalog" and name in catalog_keys:
                raise ValueError(f"config: '{name}' is both a catalogue data set and a {spec['source']} set")
        for name, spec in self.testsets.items():
            if spec["source"] == "synthetic" and spec["protocol"] != "icdar2015":
                raise ValueError(f"config: synthetic test set '{name}' has ICDAR2015 ground truth: protocol "
                                 f"icdar2015")
            if spec.get("gt") and spec["source"] != "catalog":
                raise ValueError(f"config: test set '{name}': 'gt' chooses a catalogue ground-truth variant")
        for role in ROLES:
            for name, spec in self._role_sets(role).items():
                if spec.get("lr", "degrade") == "native" and spec["source"] != "catalog":
                    raise ValueError(f"config: {role} set '{name}': 'lr: native' needs a catalogue data set that "
                                     f"ships LR images")
        for name, m in self.methods.items():
            unknown = [t for t in m.get("trainsets", []) if t not in self.trainsets]
            unknown += [s for s in m.get("scales", []) if s not in self.scales]
            unknown += [o for o in m.get("compare_with", []) if o not in self.methods]
            if unknown:
                raise ValueError(f"config: method '{name}': {unknown} not among the config's trainsets / scales / "
                                 f"methods")
            for scale in m.get("scales", self.scales):
                self.spec(name, scale)  # resolves (and so validates) every method at every scale it trains at
            kd = self.methods[name].get("kd")
            for t in m.get("trainsets", self.trainsets):
                for scale in self.scales:
                    teacher = self.kd_teacher(name, t, self.seeds[0], scale) if self.trains(name, t, scale) else None
                    c = Condition.parse(teacher) if teacher and teacher != "rcan-official" else None
                    if c and not self.trains(c.method, c.trainset, scale):
                        raise ValueError(f"config: method '{name}' at x{scale} on {t}: its teacher {c.label} is not "
                                         f"trained there")
            if kd and kd.get("type") == "pisr" and self.methods[name].get("arch") != "fsrcnn":
                raise ValueError(f"config: method '{name}': PISR distils into an FSRCNN student (arch fsrcnn)")
        self._check_teacher_cycles()
        self._check_cross()
        self._detectors  # every test set's detectors resolve (an unknown setting is an error now, not at job time)

    @cached_property
    def catalog_keys(self) -> list[str]:
        return sorted({s["catalog"] for s in self.sets.values() if s["source"] == "catalog"})

    @cached_property
    def synthetic_sets(self) -> list[str]:
        return sorted(n for n, s in self.sets.items() if s["source"] == "synthetic")

    @cached_property
    def folder_sets(self) -> list[str]:
        return sorted(n for n, s in self.sets.items() if s["source"] == "folder")

    def _role_sets(self, role: str) -> dict:
        return {"test": self.testsets, "train": self.trainsets, "sr": self.srsets}[role]

    def role_spec(self, name: str, role: str) -> dict:
        return self._role_sets(role)[name]

    def _folder(self, name: str) -> str:
        """The `{dataset}` of a data set's layout patterns: the catalogue key for real data, else the config name."""
        spec = self.sets[name]
        return spec["catalog"] if spec["source"] == "catalog" else name

    def manifest(self, name: str) -> str:
        """Written last by the data rules: the marker that a data set is complete."""
        return layout.MANIFEST.format(dataset=self._folder(name))

    def dataset_dir(self, name: str) -> str:
        """The prepared data set's folder (a data rule's directory output; its images, ground truth and native LR)."""
        return layout.DATASET.format(dataset=self._folder(name))

    def split(self, name: str, role: str) -> str:
        """The split playing `role` (test sets and SR benchmarks: test; training sets: train)."""
        return self.role_spec(name, role).get("split", "train" if role == "train" else "test")

    def hr_dir(self, name: str, role: str) -> str:
        return layout.HR_IMAGES.format(dataset=self._folder(name), split=self.split(name, role))

    @functools.cache  # noqa: B019 (one Plan per workflow: the cache lives as long as it): called once per job
    def gt_dir(self, name: str) -> str:
        """Native ground-truth folder of a test set (catalogue: its chosen variant, e.g. test/gt_2020)."""
        spec, split = self.testsets[name], self.split(name, "test")
        if spec["source"] == "catalog":
            return layout.DATASET_PATH.format(dataset=self._folder(name),
                                              path=CATALOG.gt_dir(spec["catalog"], split, spec.get("gt")))
        return layout.GT.format(dataset=self._folder(name), split=split)

    def native_lr(self, name: str, role: str) -> bool:
        """Does the set bring its own LR images for this role (`lr: native`: DIV2K's, TextZoom's real LR)?"""
        return self.role_spec(name, role).get("lr", "degrade") == "native"

    def native_scales(self, name: str, role: str) -> set[int]:
        """The scales whose LR images a catalogue set ships in this role's split (read once per set and role)."""
        if (name, role) not in self._native_scales:
            spec = self.role_spec(name, role)
            split = CATALOG.dataset(spec["catalog"])["splits"][self.split(name, role)]
            self._native_scales[(name, role)] = ({int(k) for k in split.get("lr", {})}
                                                 | ({int(split["scale"])} if "scale" in split else set()))
        return set(self._native_scales[(name, role)])

    def has_scale(self, name: str, role: str, scale: int) -> bool:
        """A set with native LR exists only at the scales it ships (TextZoom: x2); others at every scale."""
        return not self.native_lr(name, role) or int(scale) in self.native_scales(name, role)

    def lr_dir(self, name: str, role: str, scale: int, degradation: str = DEFAULT_DEGRADATION) -> str:
        """LR images of a set in a role: its own (`lr: native`, degradation NATIVE_DEGRADATION) or the pipeline's
        `degradation` of its HR images (a test set's: that of its `image_set`)."""
        if self.native_lr(name, role):
            return layout.NATIVE_LR.format(dataset=self._folder(name), split=self.split(name, role), scale=int(scale))
        if role == "test":
            name = self.image_set(name)
        return layout.LR.format(dataset=name, split="train" if role == "train" else "test", scale=int(scale),
                                degradation=degradation)

    def image_set(self, name: str) -> str:
        """The test set whose name keys the LR, SR folders of test set `name`: the first test set (config order) with
        the same images (data set, split, LR source), so that two ground-truth variants of one image set (ctw1500,
        ctw1500_2020) degrade and super-resolve once. Other sets: `name`."""
        if name not in self.testsets:
            return name
        key = self._images_key(name)
        return next(n for n in self.testsets if self._images_key(n) == key)

    def detection_set(self, name: str, detector: str) -> str:
        """The test set whose name keys test set `name`'s detections by `detector`: the first with the same images
        and that detector (so its detections are made once; evaluation stays per ground-truth variant)."""
        self.detector(name, detector)  # KeyError naming the set's detectors
        key = self._images_key(name)
        return next(n for n in self.testsets if self._images_key(n) == key and detector in self.detector_names(n))

    def _images_key(self, name: str) -> tuple:
        return (self._folder(name), self.sets[name]["source"], self.split(name, "test"), self.native_lr(name, "test"))

    def eval_role(self, name: str) -> str:
        """The role whose split is scored for PSNR/SSIM: test for a test set, sr for an SR benchmark."""
        return "test" if name in self.testsets else "sr"

    def labels_tsv(self, name: str) -> str:
        """TextZoom-style word labels of an SR set's split (`name<TAB>label` per line)."""
        return layout.LABELS.format(dataset=self._folder(name), split=self.split(name, "sr"))

    def catalog_request(self, key: str) -> dict:
        """Splits, gt variants and official LR scales wanted from catalogue data set `key` by every config entry."""
        splits, gts, lr_scales = [], [], []
        for role in ROLES:
            for name, spec in self._role_sets(role).items():
                if spec["source"] != "catalog" or spec["catalog"] != key:
                    continue
                split = self.split(name, role)
                splits += [split] if split not in splits else []
                if spec.get("gt") and spec["gt"] not in gts:
                    gts.append(spec["gt"])
                if spec.get("lr") == "native":
                    lr_scales += [s for s in self.scales if s not in lr_scales]
        # lr_scales: [] = none (None would make prepare take every LR archive it finds, verified or not)
        return {"splits": splits, "gt": gts or None, "lr_scales": lr_scales}

    def catalog_downloads(self, key: str) -> list[str]:
        """File names under resources/downloads/ that preparing catalogue data set `key` needs."""
        return CATALOG.required_files(key, **self.catalog_request(key))

    # ------------------------------------------------------------------------------------- methods, seeds

    def spec(self, method: str, scale: int) -> MethodSpec:
        """The method's resolved spec at `scale` (defaults merged in; errors name the method), resolved once per
        (method, scale) and shared: read it, do not change it."""
        key = (method, int(scale))
        if key not in self._specs:
            m = self.methods[method]
            try:
                self._specs[key] = resolve_method(self.arch(method), int(scale), m.get("model"), m.get("attention"),
                                                  m.get("train"), m.get("distill"), self.kd_options(method))
            except (ValueError, KeyError) as exc:
                raise ValueError(f"config: method '{method}': {exc}") from None
        return self._specs[key]

    def kd_options(self, method: str) -> dict | None:
        """The method's kd dict for training: everything but `teacher`, which the plan turns into a model file."""
        kd = self.methods[method].get("kd")
        return None if kd is None else {k: v for k, v in kd.items() if k != "teacher"}

    def arch(self, method: str) -> str:
        """The registry architecture of a method (`arch`, default: the method's own name)."""
        return self.methods[method].get("arch", method)

    def train_options(self, method: str, trainset: str) -> dict:
        """The method's train options with the training set's over them (e.g. a smaller patch for TextZoom)."""
        return {**(self.methods[method].get("train") or {}), **(self.trainsets[trainset].get("train") or {})}

    def trains(self, method: str, trainset: str, scale: int) -> bool:
        """Is `method` trained on `trainset` at `scale`? The set must exist at that scale, and the method's own
        `trainsets` / `scales` lists (default: all) must name them."""
        m = self.methods[method]
        return (self.has_scale(trainset, "train", scale) and trainset in m.get("trainsets", self.trainsets)
                and int(scale) in m.get("scales", self.scales))

    def sr_conditions(self, scale: int, degradation: str = DEFAULT_DEGRADATION) -> list[str]:
        """Conditions whose images are super-resolved from the LR test images of `degradation` at `scale`."""
        return [c for c in self.baselines if c not in ("hr", "lr")] + self.trained_conditions(scale, degradation)

    @staticmethod
    def _model_keys(method: str, trainset: str, seed: int, scale: int, degradation: str) -> dict:
        return {"method": method, "trainset": trainset, "seed": int(seed), "scale": int(scale),
                "degradation": degradation}

    def trained_file(self, pattern: str, method: str, trainset: str, seed: int, scale: int,
                     degradation: str = DEFAULT_DEGRADATION) -> str:
        """A file of one training run (on `degradation` LR images): `pattern` is layout.MODEL, CURVE, PRIVILEGED,
        CHECKPOINTS, ..."""
        return pattern.format(**self._model_keys(method, trainset, seed, scale, degradation))

    def model_file(self, condition: str, scale: int, degradation: str = DEFAULT_DEGRADATION) -> str:
        """Weights behind an SR condition applied to `degradation` LR images: a trained model (trained on them, or
        on a cross cell's training degradation), or the user's official RCAN_BIX<s>.pt."""
        if condition == "rcan-official":
            return layout.WEIGHTS.format(file=CATALOG.weights_file(int(scale)))
        c = Condition.parse(condition)
        return self.trained_file(layout.MODEL, c.method, c.trainset, c.seed, scale,
                                 self.train_degradation(condition, degradation))

    def model_input(self, condition: str, scale: int, degradation: str = DEFAULT_DEGRADATION) -> str:
        """What the workflow waits for before using `model_file`: the official file's verified marker, or the
        trained model itself."""
        if condition == "rcan-official":
            return layout.WEIGHTS_VERIFIED.format(file=CATALOG.weights_file(int(scale)))
        return self.model_file(condition, scale, degradation)

    def kd_teacher(self, method: str, trainset: str, seed: int, scale: int) -> str | None:
        """The SR teacher condition of a kd method (fakd, srkd): `teacher: rcan` (same training set and seed),
        `rcan@div2k` (that training set, same seed) or `rcan-official`; None without kd or for pisr (its own
        privileged teacher)."""
        kd = self.methods[method].get("kd")
        if not kd or kd.get("type") == "pisr":
            return None
        teacher = kd.get("teacher")
        if not teacher:
            raise ValueError(f"config: method '{method}': kd needs a `teacher` (a method, method@trainset or "
                             f"rcan-official)")
        if teacher == "rcan-official":
            return teacher
        t_method, _, t_set = teacher.partition("@")
        if t_method not in self.methods:
            raise ValueError(f"config: method '{method}': teacher {teacher!r} names no configured method")
        if t_set and t_set not in self.trainsets:
            raise ValueError(f"config: method '{method}': teacher {teacher!r} names no configured training set")
        return trained_name(t_method, t_set or trainset, seed)

    def _check_teacher_cycles(self) -> None:
        for method in self.methods:
            seen, current = [method], method
            while True:
                kd = self.methods[current].get("kd") or {}
                teacher = kd.get("teacher", "") if kd.get("type") != "pisr" else ""
                nxt = teacher.partition("@")[0] if teacher and teacher != "rcan-official" else None
                if nxt is None:
                    break
                if nxt in seen:
                    raise ValueError(f"config: teachers form a cycle: {' -> '.join(seen + [nxt])}")
                seen.append(nxt)
                current = nxt

    def is_pisr(self, method: str) -> bool:
        return (self.methods[method].get("kd") or {}).get("type") == "pisr"

    def privileged_file(self, method: str, trainset: str, seed: int, scale: int,
                        degradation: str = DEFAULT_DEGRADATION) -> str:
        return self.trained_file(layout.PRIVILEGED, method, trainset, seed, scale, degradation)

    def teacher_cache_dir(self, method: str, trainset: str, scale: int) -> str | None:
        """The CRAFT teacher-map cache a distilled method trains from (None: no distillation, or CRAFT per batch):
        per training set, layers, p and whether features are cached (not per scale or seed)."""
        spec = self.spec(method, scale)
        if not spec.distill or not self.methods[method].get("teacher_cache", True):
            return None
        key = teacher_cache_key(spec.distill["teacher_layers"], spec.distill["p"],
                                features=spec.distill["sd_on"] == "features")
        return layout.TEACHER.format(trainset=trainset, teacher=key)

    def twins(self, method: str) -> list[str]:
        """The methods a distilled method is compared with (`textsr.study.conditions.twins`)."""
        return twins(self.methods, method)

    def comparison_pairs(self) -> list[tuple[str, str]]:
        """(a, b) condition labels to compare: every condition against bicubic; every distilled model against its
        twins (`twins`), and against the methods its `compare_with` names (e.g. a baseline trained with another
        recipe, which is no twin), per training set."""
        trained = [(m, t) for m in self.methods for t in self.trainsets
                   if any(self.trains(m, t, s) for s in self.scales)]
        labels = [c for c in self.baselines if c != "bicubic"] + [f"{m}@{t}" for m, t in trained]
        pairs = [(c, "bicubic") for c in labels] if "bicubic" in self.baselines else []
        pairs += [(f"{m}@{t}", f"{twin}@{t}") for m, t in trained for twin in self.twins(m) if (twin, t) in trained]
        pairs += [(f"{m}@{t}", f"{other}@{t}") for m, t in trained
                  for other in self.methods[m].get("compare_with", []) if (other, t) in trained]
        # a cross cell against bicubic and against the same method trained on the test images' degradation
        # (comparisons pair labels within one degradation)
        for label in self.cross_labels():
            pairs += [(label, "bicubic")] if "bicubic" in self.baselines else []
            pairs.append((label, label.partition("~")[0]))
        return list(dict.fromkeys(pairs))

    # ------------------------------------------------------------------------------------------- detection

    def detectors(self, name: str) -> list[dict]:
        """Every detector of a test set (`textsr.inference.detectors.resolve_detectors`): resolved settings with
        `family` (craft, ppocrv6_det) and `name`, in the config's order."""
        return self._detectors[name]

    def detector_names(self, name: str) -> list[str]:
        return [d["name"] for d in self._detectors[name]]

    def detector(self, name: str, detector: str | None = None) -> dict:
        """The detector of test set `name` called `detector` (default: its first); KeyError naming the set's."""
        for d in self._detectors[name]:
            if detector is None or d["name"] == detector:
                return d
        raise KeyError(f"test set {name!r} has no detector {detector!r}; it has {self.detector_names(name)}")

    def craft_detectors(self) -> dict[str, dict]:
        """{test set: its CRAFT settings} of the sets that run CRAFT (optional weights, fallbacks)."""
        return {n: d for n, ds in self._detectors.items() for d in ds if d["family"] == "craft"}

    @cached_property
    def _detectors(self) -> dict[str, list[dict]]:
        try:
            return {name: resolve_detectors(self.config, spec, present=lambda f: (self.weights_dir / f).is_file())
                    for name, spec in self.testsets.items()}
        except ValueError as exc:
            raise ValueError(f"config: {exc}") from None

    def condition_cells(self, dataset: str, role: str) -> list[tuple[str, int, str]]:
        """(condition, scale, degradation) of every image folder of a set: `hr` once (x1, NO_DEGRADATION), then per
        scale the set has and per degradation of its LR images, `lr` and every SR condition."""
        cells = [("hr", 1, NO_DEGRADATION)] if "hr" in self.baselines else []
        for scale in self.scales:
            if not self.has_scale(dataset, role, scale):
                continue
            for degradation in self.set_degradations(dataset, role):
                if "lr" in self.baselines:
                    cells.append(("lr", scale, degradation))
                cells.extend((c, scale, degradation) for c in self.sr_conditions(scale, degradation))
        return cells

    def detection_jobs(self) -> list[tuple[str, str, int, str, str]]:
        """(condition, dataset, scale, degradation, detector) of every detection (`condition_cells` per detector)."""
        return [(c, dataset, s, g, det) for dataset in self.testsets for det in self.detector_names(dataset)
                for c, s, g in self.condition_cells(dataset, "test")]

    def images(self, condition: str, dataset: str, scale: int, degradation: str = DEFAULT_DEGRADATION) -> str:
        """Condition -> the folder of images the detector (and recognizer) sees."""
        if condition == "hr":
            return self.hr_dir(dataset, self.eval_role(dataset))
        if condition == "lr":
            return self.lr_dir(dataset, self.eval_role(dataset), scale, degradation)
        name = self.image_set(dataset) if dataset in self.testsets else dataset
        return layout.SR.format(condition=condition, dataset=name, scale=int(scale), degradation=degradation)

    @staticmethod
    def _job_keys(condition: str, dataset: str, scale: int, degradation: str, detector: str) -> dict:
        """The wildcards of a detection job."""
        return {"condition": condition, "dataset": dataset, "scale": int(scale), "degradation": degradation,
                "detector": detector}

    def det_dir(self, condition: str, dataset: str, scale: int, degradation: str, detector: str) -> str:
        """Detections of test set `dataset` by `detector` (made once per `detection_set`)."""
        keys = self._job_keys(condition, self.detection_set(dataset, detector), scale, degradation, detector)
        return layout.DET.format(**keys)

    def eval_json(self, condition: str, dataset: str, scale: int, degradation: str, detector: str) -> str:
        return layout.EVAL.format(**self._job_keys(condition, dataset, scale, degradation, detector))

    def eval_rows(self) -> list[dict]:
        """One dict per detection job: table keys (dataset, protocol, detector, scale, condition columns with
        degradation and train_degradation) + path."""
        rows = []
        for condition, dataset, scale, degradation, detector in self.detection_jobs():
            rows.append({"dataset": dataset, "protocol": self.testsets[dataset]["protocol"], "detector": detector,
                         "scale": scale, **self.condition_columns(condition, degradation),
                         "path": self.eval_json(condition, dataset, scale, degradation, detector)})
        return rows

    # ---------------------------------------------- SR fidelity, reading (their rows: textsr.study.reading)

    def sr_eval_sets(self) -> list[str]:
        """Every set whose SR images are scored for PSNR/SSIM: the test sets, then the SR sets that are not one."""
        return list(self.testsets) + [n for n in self.srsets if n not in self.testsets]
