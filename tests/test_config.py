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
    del cfg["craft"]
    snakemake_utils.validate(cfg, SCHEMA)
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


# ---------------------------------------------------------------------------------- issue 21.5: short errors


def test_check_config_reports_the_first_offending_key_in_a_few_lines():
    from textsr.study.config_check import ConfigError, check_config

    cfg = copy.deepcopy(_load(ROOT / "config.yaml"))
    cfg["testsets"]["synth"]["protocol"] = "icdar2099"
    with pytest.raises(ConfigError) as err:
        check_config(cfg, SCHEMA, ["config.yaml", "my.yaml"])
    lines = str(err.value).splitlines()
    # the files, the key path, and the expected enum: 3 lines (no layering hint: nothing is missing)
    assert len(lines) == 3
    assert "config files read: config.yaml, my.yaml" in lines[0]
    assert lines[1].startswith("  at testsets.synth.protocol: 'icdar2099'")
    assert "enum" in lines[2] and "icdar2015" in lines[2]
    check_config(_load(ROOT / "config.yaml"), SCHEMA, ["config.yaml"])  # valid: no error


def test_a_missing_key_is_reported_before_a_bad_value_deeper_down():
    from textsr.study.config_check import ConfigError, check_config

    # seed has the wrong type (depth 1) and scales etc. are missing (depth 0): the missing key comes first
    with pytest.raises(ConfigError, match=r"at \(top level\): 'scales' is a required property"):
        check_config({"seed": "x"}, SCHEMA, ["my.yaml"])


def _dry_run(wd, *args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "snakemake", "-n", *args], cwd=wd, capture_output=True, text=True,
                          timeout=300)


def test_a_partial_config_alone_is_refused_in_a_few_lines_and_layers_on_the_base(tmp_path):
    from conftest import copy_workflow

    copy_workflow(tmp_path)
    (tmp_path / "my.yaml").write_text("seed: 99\n")
    run = _dry_run(tmp_path, "--configfile=my.yaml")
    assert run.returncode != 0
    out = (run.stdout + run.stderr).strip().splitlines()
    assert len(out) <= 10, "\n".join(out)  # was ~820 lines: the whole schema and the whole config
    text = "\n".join(out)
    assert "config files read: " in text and "my.yaml" in text and "'scales' is a required property" in text
    assert "--configfile config.yaml my.yaml" in text  # how to layer it
    # layered on the base, it plans config.yaml's study with seed 99 (the trained conditions are named by seed)
    run = _dry_run(tmp_path, "-p", "--configfile", "config.yaml", "my.yaml")  # -p: the job listing
    assert run.returncode == 0, run.stderr[-3000:]
    assert "results/models/rcan/synth/bi/s99/" in run.stdout and "/s1234/" not in run.stdout  # config.yaml: 1234
