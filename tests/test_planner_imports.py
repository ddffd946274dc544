"""Planning is cheap and paths have one owner (DESIGN section 10).

1. Whatever the Snakefile imports at parse time imports no torch: each module is imported in a fresh interpreter,
   the paper config is planned (Plan, every row list), and `torch` must not be in sys.modules.
2. Every `results/`, `resources/`, `logs/` and `benchmarks/` path pattern is spelled in src/textsr/study/layout.py
   only. The rule, applied by `path_literals` to src/, workflow/ and the Snakefile with the `tokenize` module (which
   reads Snakemake files as well as Python): a string literal counts when its value starts with one of those
   folders and a slash (`"results/det/..."`, `f"resources/weights/{f}"`). Not counted: comments; docstrings (a
   string that is a whole statement, e.g. a module's or a rule's first line); prose that mentions a path inside a
   sentence ("put it under resources/downloads/"), since a path there does not start the string; and bare folder
   names ("resources" is also a config key).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / "src" / "textsr" / "study" / "layout.py"
FOLDERS = ("results", "resources", "logs", "benchmarks")
_PATH_START = re.compile(rf"^(?:{'|'.join(FOLDERS)})/")
_PREFIX = re.compile(r"^[rRbBuUfF]*(\"\"\"|'''|\"|')")
_IMPORT = re.compile(r"^[ \t]*((?:from[ \t]+(textsr[\w.]*)[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]+))"
                     r"|(?:import[ \t]+(textsr[\w.]*)[^\n]*))", re.M)


def snakefile_sources() -> list[Path]:
    return [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]


def parse_time_imports() -> list[str]:
    """Every `textsr` import statement of the Snakefile and the rule files (all run at parse time), as written."""
    found = []
    for path in snakefile_sources():
        found += [m.group(1).strip() for m in _IMPORT.finditer(path.read_text(encoding="utf-8"))]
    return list(dict.fromkeys(found))


def parse_time_modules() -> list[str]:
    """The `textsr` modules those statements name (`from textsr.study import layout`: textsr.study)."""
    return sorted({m.group(2) or m.group(3) for s in parse_time_imports() for m in [_IMPORT.match(s)]})


def path_literals(path: Path) -> list[tuple[int, str]]:
    """(line, literal) of each string literal in `path` that is a results/resources/logs/benchmarks path (see the
    module docstring for what counts)."""
    tokens = list(tokenize.tokenize(io.BytesIO(path.read_bytes()).readline))
    skip = (tokenize.NL, tokenize.COMMENT)
    statement_start = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.STRING and tok.type != getattr(tokenize, "FSTRING_START", -1):
            continue
        prev = next((t for t in reversed(tokens[:i]) if t.type not in skip), None)
        nxt = next((t for t in tokens[i + 1:] if t.type != tokenize.NL), None)
        if tok.type == tokenize.STRING and (prev is None or prev.type in statement_start) \
                and nxt is not None and nxt.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue  # a docstring (a string that is a whole statement)
        text = tok.string if tok.type == tokenize.STRING else tokens[i + 1].string  # 3.12: FSTRING_MIDDLE
        if _PATH_START.match(_PREFIX.sub("", text, count=1)):
            found.append((tok.start[0], tok.string))
    return found


def scanned_files() -> list[Path]:
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "workflow").rglob("*.py"), *snakefile_sources()]
    return sorted(f for f in files if f != LAYOUT)


def test_the_snakefile_imports_the_planner_modules():
    # guards the import scan itself: an empty list would make the torch test below pass vacuously
    modules = parse_time_modules()
    assert {"textsr.study.plan", "textsr.study.layout", "textsr.util.provenance"} <= set(modules), modules
    assert "from textsr.study import layout" in parse_time_imports()


def test_parse_time_imports_and_planning_the_paper_study_load_no_torch():
    code = f"""
import json, sys, yaml
from snakemake.utils import validate
for statement in {parse_time_imports()!r}:
    exec(statement)
after_imports = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision"))
from textsr.study.plan import Plan
cfg = yaml.safe_load(open({str(ROOT / "configs" / "paper.yaml")!r}))
validate(cfg, {str(ROOT / "workflow" / "schemas" / "config.schema.yaml")!r})
plan = Plan(cfg)
rows = len(plan.eval_rows()) + len(plan.sr_eval_rows()) + len(plan.recognition_rows())
print(json.dumps({{"imports": after_imports, "torch": "torch" in sys.modules, "rows": rows,
                  "trainings": sum(len(plan.trained_conditions(s)) for s in plan.scales)}}))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["imports"] == [] and out["torch"] is False, out
    # the paper study was really planned: 38 trained conditions at x2 + x4 (tests/test_workflow.py counts them:
    # 9 RCAN arms + 18 E-RFDN/RFDN/A2N arms + 3 SRNet arms + 8 baselines), and 7 * 45 = 315 detections at least
    assert out["trainings"] == 38 and out["rows"] >= 7 * 45


def test_path_literals_are_found_and_docstrings_and_prose_are_not(tmp_path):
    sample = tmp_path / "sample.smk"
    sample.write_text('"""Module docstring: results/x.csv is fine here."""\n'
                      'rule a:\n'
                      '    """Rule docstring naming resources/weights/ is fine."""\n'
                      '    output:\n'
                      '        "results/det/{condition}.json",  # counted\n'
                      '    log:\n'
                      '        f"logs/a/{wildcards}.log",\n'
                      'MSG = "put it under resources/downloads/"  # prose: not a path\n'
                      'KEY = config["resources"]  # a config key\n'
                      'P = Path("benchmarks/a.tsv")\n')
    assert [line for line, _ in path_literals(sample)] == [5, 7, 10]  # the three paths, nothing else


def test_no_path_pattern_is_spelled_outside_the_layout_module():
    offenders = [f"{f.relative_to(ROOT)}:{line}: {lit}" for f in scanned_files() for line, lit in path_literals(f)]
    assert not offenders, "path patterns belong in src/textsr/study/layout.py:\n" + "\n".join(offenders)


@pytest.mark.parametrize("module", ["textsr.study.layout", "textsr.study.plan", "textsr.study.conditions"])
def test_study_modules_import_no_torch(module):
    run = subprocess.run([sys.executable, "-c", f"import sys, {module}; print('torch' in sys.modules)"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "False", run.stdout + run.stderr
