"""The SR-fidelity and reading rows of a study plan: one dict per PSNR/SSIM or recognition job, its table keys
(`textsr.report.tables.CONDITION_COLUMNS` among them) and its result path (`textsr.study.layout`)."""

from __future__ import annotations

from textsr.recognition.recognizers import DEFAULT_RECOGNIZER
from textsr.study import layout

#: protocols whose ground truth carries transcriptions the recognizer can be scored on
TRANSCRIBED = {"icdar2013", "icdar2013-wolf", "icdar2013-iou", "icdar2015", "icdar2017", "totaltext",
               "totaltext-iou"}


class ReadingRows:
    """Mixin of `textsr.study.plan.Plan`: reads its config, testsets and srsets, and calls its sr_eval_sets,
    eval_role, condition_cells, condition_columns and detection_jobs."""

    def sr_eval_rows(self) -> list[dict]:
        """PSNR/SSIM of every SR condition on every test set and SR benchmark set (at the scales it has)."""
        rows = []
        for dataset in self.sr_eval_sets():
            for c, scale, degradation in self.condition_cells(dataset, self.eval_role(dataset)):
                if c in ("hr", "lr"):
                    continue
                rows.append({"dataset": dataset, "scale": scale, **self.condition_columns(c, degradation),
                             "path": layout.EVAL_SR.format(condition=c, dataset=dataset, scale=scale,
                                                           degradation=degradation)})
        return rows

    def transcribed(self, dataset: str) -> bool:
        """Does the test set's ground truth carry transcriptions (recognition is scored on it)?"""
        spec = self.testsets[dataset]
        if spec["protocol"] == "ctw1500":
            return spec.get("gt") == "2020"  # the 2020 labels carry the text, the original ones do not
        return spec["protocol"] in TRANSCRIBED

    def word_sets(self) -> list[str]:
        """SR sets scored by word recognition (`labels: true`, e.g. TextZoom's test splits)."""
        return [n for n, s in self.srsets.items() if s.get("labels")]

    def recognition_rows(self) -> list[dict]:
        """Recognition jobs: every detection job of a transcribed test set, and every condition of a word set."""
        if not self.config.get("recognition", {}).get("enabled", True):
            return []
        rows = []
        for recognizer in self.recognizers:
            rows += self._recognition_rows(recognizer)
        return list({(r["path"], r["detector"]): r for r in rows}.values())

    @property
    def recognizers(self) -> list[str]:
        """The recognizers that read every condition (config `recognition.recognizers`, schema default)."""
        return list(self.config.get("recognition", {}).get("recognizers") or [DEFAULT_RECOGNIZER])

    def _recognition_rows(self, recognizer: str) -> list[dict]:
        rows = []
        for condition, dataset, scale, degradation, detector in self.detection_jobs():
            if self.transcribed(dataset):  # one file per condition: its words, and spotting per detector
                rows.append({"dataset": dataset, "detector": detector, "scale": scale,
                             **self.condition_columns(condition, degradation), "recognizer": recognizer,
                             "path": layout.RECOGNITION.format(recognizer=recognizer, condition=condition,
                                                               dataset=dataset, scale=scale,
                                                               degradation=degradation)})
        for dataset in self.word_sets():
            for c, scale, degradation in self.condition_cells(dataset, "sr"):
                rows.append({"dataset": dataset, "detector": "", "scale": scale,
                             **self.condition_columns(c, degradation), "recognizer": recognizer,
                             "path": layout.RECOGNITION_WORDS.format(recognizer=recognizer, condition=c,
                                                                     dataset=dataset, scale=scale,
                                                                     degradation=degradation)})
        return rows

    def word_set_groups(self) -> dict[str, list[str]]:
        """Word sets grouped by catalogue data set, for split-size-weighted averages (TextZoom easy/medium/hard)."""
        groups: dict[str, list[str]] = {}
        for name in self.word_sets():
            spec = self.srsets[name]
            groups.setdefault(spec.get("catalog") or name, []).append(name)
        return {k: v for k, v in groups.items() if len(v) > 1}
