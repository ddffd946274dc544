"""The software environments users run the workflow in: `--sdm conda` (envs/textsr.yaml + its post-deploy script)
and `--sdm apptainer` (Containerfile). Conda itself cannot be installed here, so the conda env is built the way
Snakemake builds it: the env file copied to `.snakemake/conda/<hash>.yaml`, its pip section installed from there
into a fresh environment, the post-deploy script run from there, and then a rule run with that environment's Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import copy_workflow

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / "envs" / "textsr.yaml"
POST_DEPLOY = ROOT / "envs" / "textsr.post-deploy.sh"
CONTAINERFILE = ROOT / "Containerfile"


def _pyproject_pins() -> dict[str, str]:
    """name -> version of every `name==version` dependency in pyproject.toml."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return dict(d.split("==") for d in deps if "==" in d)


def _env_pip() -> list[str]:
    deps = yaml.safe_load(ENV_FILE.read_text())["dependencies"]
    return next(d["pip"] for d in deps if isinstance(d, dict))


def _containerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Containerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text())
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    return [tuple(l.split(None, 1)) for l in lines]


def test_conda_env_pins_are_pyprojects_and_name_no_path():
    pip = _env_pip()
    assert dict(p.split("==") for p in pip) == _pyproject_pins()
    assert not [p for p in pip if "/" in p or p.startswith("-")]  # nothing relative to where the file lies


def test_conda_env_python_satisfies_requires_python():
    deps = yaml.safe_load(ENV_FILE.read_text())["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    major, minor = map(int, python.split("=")[-1].split("."))
    lowest = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].removeprefix(">=")
    assert (major, minor) >= tuple(map(int, lowest.split(".")))


def test_post_deploy_script_sits_where_snakemake_looks_for_it():
    # Snakemake runs <env>.post-deploy.sh next to the env file (replace_suffix(".yaml", ".post-deploy.sh"))
    assert POST_DEPLOY == ENV_FILE.with_suffix(".post-deploy.sh") and POST_DEPLOY.is_file()
    assert "TEXTSR_ROOT" in (ROOT / "Snakefile").read_text()


def test_post_deploy_refuses_to_run_without_the_checkout(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TEXTSR_ROOT"}
    run = subprocess.run(["bash", str(POST_DEPLOY)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 1 and "TEXTSR_ROOT must name the TextSR-Bench checkout" in run.stderr


def test_containerfile_parses_and_names_the_pinned_versions():
    instructions = _containerfile_instructions()
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "ARG", "LABEL", "USER", "ENTRYPOINT", "CMD"}
    assert instructions[0][0] == "FROM" and {i for i, _ in instructions} <= known
    base = instructions[0][1]
    env_python = next(d for d in yaml.safe_load(ENV_FILE.read_text())["dependencies"]
                      if isinstance(d, str) and d.startswith("python")).split("=")[-1]
    assert re.search(rf"python:{re.escape(env_python)}\b", base), base
    installed = " ".join(args for i, args in instructions if i == "RUN")
    for name, version in _pyproject_pins().items():
        assert f"{name}=={version}" in installed, name
    copied = [args.split()[0] for i, args in instructions if i == "COPY"]
    assert "pyproject.toml" in copied and "src" in copied


def _fresh_env_seeing_our_packages(prefix: Path) -> None:
    """A fresh venv at `prefix` whose interpreter also sees this interpreter's site-packages (a .pth file), so the pip
    section below resolves against packages already built for these pins instead of unpacking ~3 GB again (the CI
    venv is itself built from pyproject.toml's pins, which the env file repeats: test above)."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    site = subprocess.run([str(prefix / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_textsr_test_base.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))


@pytest.mark.integration
def test_conda_env_builds_from_snakemakes_copy_and_runs_a_rule(tmp_path):
    """The env file copied as Snakemake copies it, its pip section and post-deploy script run from there in a fresh
    environment (standing in for `conda env create`), then one rule (degrade) run by Snakemake in that environment."""
    conda_dir = tmp_path / "wf" / ".snakemake" / "conda"
    conda_dir.mkdir(parents=True)
    env_copy = conda_dir / "0123abcd.yaml"
    shutil.copy(ENV_FILE, env_copy)
    shutil.copy(POST_DEPLOY, env_copy.with_suffix(".post-deploy.sh"))
    prefix = conda_dir / "0123abcd"
    _fresh_env_seeing_our_packages(prefix)
    env = {**os.environ, "PATH": f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(prefix),
           "TEXTSR_ROOT": str(ROOT)}
    env.pop("PYTHONPATH", None)
    pip = [str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input"]
    subprocess.run(pip + _env_pip(), cwd=conda_dir, env=env, check=True, timeout=600)
    subprocess.run(["bash", env_copy.with_suffix(".post-deploy.sh").name], cwd=conda_dir, env=env, check=True,
                   timeout=600)
    probe = subprocess.run([str(prefix / "bin" / "python"), "-c", "import textsr, torch; print(textsr.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert Path(probe.stdout.strip()).resolve().is_relative_to(ROOT / "src")  # this checkout's code, editable
    installed = subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "list", "--path",
                                str(next((prefix / "lib").glob("python*/site-packages")))],
                               env=env, capture_output=True, text=True, check=True).stdout
    assert re.search(r"^textsr\s+0\.1\.0", installed, re.M)  # installed into the env by the post-deploy script
    wd = copy_workflow(tmp_path / "wf")
    target = "results/lr/synth/test/bi/x4"
    run = subprocess.run([str(prefix / "bin" / "python"), "-m", "snakemake", "--cores", "1", target], cwd=wd, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert len(list((wd / target).glob("*.png"))) == 16  # config.yaml: synthetic n_test 16
