"""Each fact once (issue 20): CRAFT's official test.py defaults live in `textsr.inference.detectors` only, and every
checkpoint's file name and md5 in `textsr.data.weights` only.

A source scan (ast for Python, tokenize for Snakemake files, YAML for configs and the schema) over src/, workflow/,
bench/, the Snakefile, config.yaml and configs/ flags a second definition: a threshold keyword default, a keyword
argument or dict value equal to the official one, a schema default, a config setting equal to the default; a string
that is a checkpoint's file name (or a path ending in it), or that holds a catalogued md5.
"""

from __future__ import annotations

import ast
import inspect
import io
import tokenize
from pathlib import Path

import pytest
import yaml

from textsr.data import weights
from textsr.inference import craft_boxes, craft_input, detect, detectors
from textsr.inference.detectors import DEFAULTS, OFFICIAL

ROOT = Path(__file__).resolve().parents[1]
HOME_DEFAULTS = ROOT / "src" / "textsr" / "inference" / "detectors.py"
HOME_CHECKPOINTS = ROOT / "src" / "textsr" / "data" / "weights.py"
FILES = sorted(
    [p for d in ("src", "workflow", "bench") for p in (ROOT / d).rglob("*")
     if p.suffix in (".py", ".smk", ".yaml", ".yml") and p.is_file()]
    + [p for p in (ROOT / "Snakefile", ROOT / "config.yaml") if p.is_file()]
    + sorted((ROOT / "configs").glob("*.yaml")))
NAMES = tuple(weights.CHECKPOINTS)
MD5S = tuple(c.md5 for c in weights.CHECKPOINTS.values() if c.md5)


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal (also negated), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def _is_official(key: str, value: float | None) -> bool:
    return key in OFFICIAL and value is not None and value == float(OFFICIAL[key])


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module, its classes and functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _python_defaults(tree: ast.AST) -> list[str]:
    """Threshold definitions in Python: numeric keyword defaults, and official values given by keyword or dict key."""
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            pairs = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            hits += [f"line {d.lineno}: default {a.arg}={ast.unparse(d)}" for a, d in pairs
                     if a.arg in OFFICIAL and _number(d) is not None]
        elif isinstance(node, ast.Call):
            flag = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            for kw in node.keywords:
                key = kw.arg
                if key == "default" and isinstance(flag, str):  # argparse: add_argument("--text-threshold", ...)
                    key = flag.lstrip("-").replace("-", "_")
                if key and _is_official(key, _number(kw.value)):
                    hits.append(f"line {kw.value.lineno}: {key}={ast.unparse(kw.value)}")
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and _is_official(k.value, _number(v)):
                    hits.append(f"line {v.lineno}: {k.value!r}: {ast.unparse(v)}")
    return hits


def _python_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, value) of every string constant but docstrings (f-string pieces included)."""
    skip = _docstrings(tree)
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


def _snakemake_scan(text: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Snakemake files are not Python: tokens. `key = number` / `key: number` / `"key": number` with an official
    value; string literals (triple-quoted ones, the rule docstrings, skipped)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)]
    hits, strings = [], []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.STRING and not tok.string.lstrip("rbfuRBFU").startswith(('"""', "'''")):
            try:
                strings.append((tok.start[0], ast.literal_eval(tok.string)))
            except (ValueError, SyntaxError):  # an f-string: its text as written
                strings.append((tok.start[0], tok.string))
        key = tok.string.strip("\"'") if tok.type in (tokenize.NAME, tokenize.STRING) else None
        if key in OFFICIAL and i + 2 < len(tokens) and tokens[i + 1].string in ("=", ":"):
            value = tokens[i + 2]
            if value.type == tokenize.NUMBER and _is_official(key, float(value.string)):
                hits.append(f"line {tok.start[0]}: {key} {tokens[i + 1].string} {value.string}")
    return hits, strings


def _yaml_scan(data, path: str = "") -> tuple[list[str], list[tuple[str, str]]]:
    """YAML: a threshold key holding the official value or a schema `default`; a `craft:` / `detector:` setting
    equal to DEFAULTS; and every string value (with where it is)."""
    hits, strings = [], []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}/{key}"
            if key in OFFICIAL and isinstance(value, dict) and "default" in value:
                hits.append(f"{where}: schema default {value['default']}")
            if key in OFFICIAL and type(value) in (int, float) and _is_official(key, float(value)):
                hits.append(f"{where}: {value}")
            if key in ("craft", "detector") and isinstance(value, dict) and "properties" not in value:
                hits += [f"{where}/{k}: {v} (the default)" for k, v in value.items()
                         if k in DEFAULTS and k not in OFFICIAL and v == DEFAULTS[k]]
            sub_hits, sub_strings = _yaml_scan(value, where)
            hits, strings = hits + sub_hits, strings + sub_strings
    elif isinstance(data, list):
        for i, value in enumerate(data):
            sub_hits, sub_strings = _yaml_scan(value, f"{path}[{i}]")
            hits, strings = hits + sub_hits, strings + sub_strings
    elif isinstance(data, str):
        strings.append((path, data))
    return hits, strings


def _scan(path: Path) -> tuple[list[str], list[tuple]]:
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        return _yaml_scan(yaml.safe_load(text))
    if path.suffix == ".py":
        tree = ast.parse(text, filename=str(path))
        return _python_defaults(tree), _python_strings(tree)
    return _snakemake_scan(text)


def _checkpoint_facts(strings: list[tuple]) -> list[str]:
    """Strings that name a catalogued checkpoint file (the name, or a path ending in it) or hold its md5."""
    hits = []
    for where, s in strings:
        for name in NAMES:
            if s == name or s.endswith("/" + name):
                hits.append(f"{where}: {s!r}")
        hits += [f"{where}: md5 {m}" for m in MD5S if m in s]
    return hits


def test_the_scan_covers_the_workflow_the_library_and_every_config():
    rel = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert {"Snakefile", "config.yaml", "configs/paper.yaml", "workflow/schemas/config.schema.yaml",
            "src/textsr/cli/detect.py", "src/textsr/inference/detect.py"} <= rel
    assert any(r.startswith("workflow/rules/") and r.endswith(".smk") for r in rel)


def test_the_scan_finds_each_kind_of_second_definition():
    # one planted case per rule; a scan that misses one would pass the real test below vacuously
    code = ("def f(x, text_threshold=0.9, *, mag_ratio=-1): pass\n"
            "g(low_text=0.4)\nh({'canvas_size': 1280})\np.add_argument('--link-threshold', default=0.4)\n"
            "W = 'resources/weights/english_g2.pth'\n")
    tree = ast.parse(code)
    assert len(_python_defaults(tree)) == 5  # 2 defaults (any number: a second home) + 3 official values
    assert len(_checkpoint_facts(_python_strings(tree))) == 1
    hits, strings = _snakemake_scan('rule r:\n    params:\n        low_text=0.4,\n        x="RCAN_BIX4.pt"\n')
    assert len(hits) == 1 and len(_checkpoint_facts(strings)) == 1
    schema = {"craft": {"properties": {"mag_ratio": {"type": "number", "default": 1.5}}}}
    config = {"craft": {"precision": "fp32", "batch_size": 2}, "testsets": {"a": {"detector": {"low_text": 0.4}}}}
    assert len(_yaml_scan(schema)[0]) == 1 and len(_yaml_scan(config)[0]) == 2  # precision fp32, low_text 0.4
    assert _checkpoint_facts([("x", "checked 2f8227d2def4037cdb3b34389dcf9ec1 ok")])  # the General model's md5


def test_craft_defaults_are_defined_once():
    found = {p.relative_to(ROOT).as_posix(): _scan(p)[0] for p in FILES if p != HOME_DEFAULTS}
    assert {f: h for f, h in found.items() if h} == {}


def test_checkpoint_names_and_md5s_are_defined_once():
    found = {p.relative_to(ROOT).as_posix(): _checkpoint_facts(_scan(p)[1]) for p in FILES if p != HOME_CHECKPOINTS}
    assert {f: h for f, h in found.items() if h} == {}


@pytest.mark.parametrize("module", [craft_input, craft_boxes, detect], ids=lambda m: m.__name__)
def test_library_signatures_read_the_official_defaults(module):
    # every public or private function of CRAFT inference with a threshold / canvas / magnification parameter
    seen = 0
    for _, fn in inspect.getmembers(module, inspect.isfunction):
        for name, param in inspect.signature(fn).parameters.items():
            if name in OFFICIAL and param.default is not inspect.Parameter.empty:
                assert param.default == OFFICIAL[name], f"{fn.__name__}({name}={param.default})"
                seen += 1
    assert seen >= 4  # craft_input: resize_aspect_ratio and canvas_tensor, 2 each; the others more


def test_official_values_are_those_of_craft_pytorch_test_py():
    # clovaai/CRAFT-pytorch @ e332dd8 test.py argparse: --text_threshold 0.7, --low_text 0.4, --link_threshold 0.4,
    # --canvas_size 1280, --mag_ratio 1.5 (the reference of every detector name)
    assert detectors.OFFICIAL == {"text_threshold": 0.7, "link_threshold": 0.4, "low_text": 0.4,
                                  "canvas_size": 1280, "mag_ratio": 1.5}


def test_the_schemas_recognizer_names_are_the_registrys():
    """The config may name exactly the registered recognizers (textsr.recognition.recognizers is their home; the
    schema repeats the names only to refuse a typo before anything runs), and its default starts with the
    registry's default."""
    from textsr.recognition.recognizers import DEFAULT_RECOGNIZER, RECOGNIZERS

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    recognizers = schema["properties"]["recognition"]["properties"]["recognizers"]
    assert sorted(recognizers["items"]["enum"]) == sorted(RECOGNIZERS)
    assert recognizers["default"][0] == DEFAULT_RECOGNIZER
