"""Code a person can hold in their head: no module over 500 lines and no function over 80, in the library, the
workflow's scripts, the tests and the benchmarks (data generation and evaluation code included).

A module's length is its number of lines; a function's runs from its `def` line to its last line (decorators not
counted, nested functions and methods measured on their own as well as inside their parent).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("src/textsr", "workflow/scripts", "tests", "bench")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def n_lines(text: str) -> int:
    """Lines of a file's text; a last line without its newline counts."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def oversized(path: Path, text: str | None = None) -> list[str]:
    """What breaks the limits in one Python file: `<path>: module of N lines (limit 500)` and, per function,
    `<path>:<def line> <name>(): N lines (limit 80)`. text: the file's source (default: read from path)."""
    text = path.read_text(encoding="utf-8") if text is None else text
    found = []
    if n_lines(text) > MAX_MODULE_LINES:
        found.append(f"{path}: module of {n_lines(text)} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path}:{node.lineno} {node.name}(): {length} lines (limit {MAX_FUNCTION_LINES})")
    return sorted(found)


def _function(name: str, body_lines: int, indent: str = "") -> str:
    """A function of 1 + body_lines lines: its def line, then `x = k` lines."""
    return f"{indent}def {name}():\n" + "".join(f"{indent}    x = {k}\n" for k in range(body_lines))


def test_a_function_of_81_lines_is_named_and_one_of_80_is_not(tmp_path):
    source = _function("fits", 79) + _function("too_long", 80)  # 1 + 79 = 80 lines, then 1 + 80 = 81 lines
    path = tmp_path / "m.py"
    # too_long starts on line 81 (after the 80 lines of fits)
    assert oversized(path, source) == [f"{path}:81 too_long(): 81 lines (limit 80)"]


def test_decorators_are_not_counted_and_nested_functions_are_measured_too(tmp_path):
    # outer: def line + decorator-free body of 1 + (1 + 80) lines = 83 lines; inner: 1 + 80 = 81 lines from line 3;
    # the decorator line above outer is not part of its length
    source = "@staticmethod\ndef outer():\n" + _function("inner", 80, indent="    ") + "    return inner\n"
    path = tmp_path / "m.py"
    assert oversized(path, source) == [f"{path}:2 outer(): 83 lines (limit 80)",
                                       f"{path}:3 inner(): 81 lines (limit 80)"]


def test_a_module_of_501_lines_is_named_and_one_of_500_is_not(tmp_path):
    path = tmp_path / "m.py"
    assert oversized(path, "x = 0\n" * 500) == []
    assert oversized(path, "x = 0\n" * 501) == [f"{path}: module of 501 lines (limit 500)"]
    assert n_lines("a\nb") == 2 and n_lines("a\nb\n") == 2 and n_lines("") == 0  # a missing last newline counts


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_module_over_500_lines_and_no_function_over_80(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python file under {ROOT / folder}"
    problems = [p for path in files for p in oversized(path.relative_to(ROOT), path.read_text(encoding="utf-8"))]
    assert not problems, f"{len(problems)} over the limits (split by concern, not merely to pass):\n" + "\n".join(
        problems)
