"""Code versions for the pipeline: a hash of the library modules a stage runs, imports followed.

Snakemake reruns a job when its script changes, not when a module the script imports changes. Rules pass
`code_version(<the module the script calls>)` as a `params:` value; the hash covers that module and every `textsr`
module it imports, directly or not (found by reading the source, nothing is imported), so editing any of them
reruns (only) the stages that use it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = "textsr"
#: modules whose imports are not followed into a hash: the path owner, whose changes Snakemake sees in the jobs' own
#: paths (a new rule's log stem must not rerun every training through `textsr.data.weights`' WEIGHTS_DIR)
PATHS_ONLY = frozenset({"textsr.study.layout"})


@lru_cache(maxsize=1)
def _package_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"code_version: package {PACKAGE!r} is not importable")
    return Path(spec.origin).parent


def _source(name: str) -> Path | None:
    """The source file of a `textsr` module (package: its __init__.py), or None if there is none."""
    parts = name.split(".")[1:]
    base = _package_root().joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_package(name: str) -> bool:
    return (_package_root().joinpath(*name.split(".")[1:]) / "__init__.py").is_file()


#: `import a.b as c, d` and `from .x import (y, z)` statements, at any indentation (imports inside functions count)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M)


def _names(text: str) -> list[str]:
    """`a as b, c` / `(a,\n b)  # note` -> ["a", "c"] / ["a", "b"]."""
    text = re.sub(r"#[^\n]*", "", text).strip("() \n")
    return [part.split()[0] for part in text.replace("\n", ",").split(",") if part.strip()]


@lru_cache(maxsize=None)
def _imported(name: str, path: Path) -> set[str]:
    """`textsr` modules named by the import statements of one file (also those inside functions).

    Read with two regular expressions, not the ast module: parsing every module was most of the planner's own time
    at parse time. An import-like line inside a string adds a module (a hash covering one module too many is
    harmless); tests/test_provenance.py checks that every real module gives what its syntax tree gives."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    source = path.read_text(encoding="utf-8").replace("\\\n", " ")
    found: set[str] = {m for text in _IMPORT.findall(source) for m in _names(text) if m.split(".")[0] == PACKAGE}
    for module, text in _FROM.findall(source):
        level = len(module) - len(module.lstrip("."))
        if level:  # relative: from . import x / from ..a import b
            base = package.split(".")[: len(package.split(".")) - level + 1]
            module = ".".join(base + ([module[level:]] if module[level:] else []))
        if module.split(".")[0] != PACKAGE:
            continue
        found.add(module)
        found.update(f"{module}.{n}" for n in _names(text))  # `from textsr import degrade`
    return {m for m in found if _source(m) is not None}


def module_closure(*modules: str) -> list[str]:
    """The named `textsr` modules and every `textsr` module they import, recursively, but PATHS_ONLY modules
    reached by import; a package named here brings all its modules. Sorted."""
    todo, seen = list(modules), set()
    for name in modules:
        if _source(name) is None:
            raise ModuleNotFoundError(f"code_version: no module named {name!r}")
        if _is_package(name):
            root = _package_root().joinpath(*name.split(".")[1:])
            for f in root.rglob("*.py"):
                rel = f.relative_to(_package_root()).with_suffix("").parts
                todo.append(".".join((PACKAGE, *(p for p in rel if p != "__init__"))))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_imported(name, _source(name)) - seen - PATHS_ONLY)
    return sorted(seen)


def code_version(*modules: str) -> str:
    """First 12 hex digits of the sha256 over the source of `module_closure(*modules)`."""
    h = hashlib.sha256()
    for name in module_closure(*modules):
        h.update(name.encode())
        h.update(_source(name).read_bytes())
    return h.hexdigest()[:12]
