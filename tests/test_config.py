"""The config schema: the shipped configs validate, unknown keys and bad values are errors."""

import copy
from pathlib import Path

import pytest
import yaml

snakemake_utils = pytest.importorskip("snakemake.utils")
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
CONFIGS = [ROOT / "config.yaml", ROOT / "tests" / "integration" / "config.yaml",
           *sorted((ROOT / "configs").glob("*.yaml"))]


def _load(path):
    return yaml.safe_load(Path(path).read_text())


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate(path):
    snakemake_utils.validate(_load(path), SCHEMA)


def test_defaults_are_filled():
    cfg = _load(ROOT / "config.yaml")
    del cfg["resources"], cfg["craft"]
    snakemake_utils.validate(cfg, SCHEMA)
    assert cfg["resources"]["detect"] == {"gpu": 0, "mem_mb": 4000, "runtime": 60, "threads": 2}
    # no CRAFT defaults in the schema: an absent block is empty, textsr.inference.detectors.DEFAULTS fill the rest
    assert cfg["craft"] == {}


@pytest.mark.parametrize("mutate, where", [
    (lambda c: c.update(sedd=1), "sedd"),
    (lambda c: c["craft"].update(text_treshold=0.5), "text_treshold"),
    (lambda c: c["testsets"]["synth"].update(protocol="icdar2099"), "icdar2099"),
    (lambda c: c.update(scales=[5]), "5"),
])
def test_unknown_keys_and_values_are_errors(mutate, where):
    cfg = copy.deepcopy(_load(ROOT / "config.yaml"))
    mutate(cfg)
    with pytest.raises(Exception, match=where):
        snakemake_utils.validate(cfg, SCHEMA)
