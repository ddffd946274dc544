import pytest

from textsr.util import provenance
from textsr.util.provenance import code_version, module_closure


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A throw-away `textsr` source tree: a imports b (inside a function), b imports c relatively; d is alone."""
    root = tmp_path / "textsr"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("def f():\n    from textsr.sub import b\n    return b\n")
    (root / "sub" / "b.py").write_text("from . import c\nimport numpy\n")
    (root / "sub" / "c.py").write_text("X = 1\n")
    (root / "d.py").write_text("Y = 2\n")
    monkeypatch.setattr(provenance, "_package_root", lambda: root)
    return root


def test_closure_follows_imports_in_functions_and_relative_ones(fake_package):
    assert module_closure("textsr.a") == ["textsr.a", "textsr.sub", "textsr.sub.b", "textsr.sub.c"]
    assert module_closure("textsr.d") == ["textsr.d"]
    assert module_closure("textsr.sub") == ["textsr.sub", "textsr.sub.b", "textsr.sub.c"]  # a package: all of it


def test_editing_an_indirect_import_changes_the_version_of_its_users_only(fake_package):
    a, d = code_version("textsr.a"), code_version("textsr.d")
    (fake_package / "sub" / "c.py").write_text("X = 2\n")
    assert code_version("textsr.a") != a
    assert code_version("textsr.d") == d
    assert len(a) == 12


def test_real_stages_include_what_they_import_at_call_time():
    detect = module_closure("textsr.inference.detect")
    assert {"textsr.models.craft", "textsr.data.weights", "textsr.util.device", "textsr.util.imageio"} <= set(detect)
    assert "textsr.train" not in detect  # a training edit does not rerun detection


def test_the_path_owner_is_not_hashed_into_the_stages_that_import_it():
    # textsr.data.weights imports textsr.study.layout (WEIGHTS_DIR): a new rule's log stem must not rerun training
    assert "textsr.data.weights" in module_closure("textsr.train")
    assert "textsr.study.layout" not in module_closure("textsr.train", "textsr.inference.detect", "textsr.report")
    assert module_closure("textsr.study.layout") == ["textsr.study.layout"]


def test_unknown_module_is_an_error():
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        code_version("textsr.no_such_module")


def _imported_by_syntax_tree(name, path):
    """The reference: `textsr` modules named by the import nodes of a file's syntax tree."""
    import ast

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "textsr")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "textsr":
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if provenance._source(m) is not None}


def test_import_scan_misses_no_import_of_any_real_module():
    """Never fewer modules than the syntax tree names (a missed import would let an edit skip a rerun); one more
    only where a docstring shows an import line (textsr.recognition's usage example names itself)."""
    root = provenance._package_root()
    extra = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__")
        scanned, tree = provenance._imported(name, path), _imported_by_syntax_tree(name, path)
        assert tree <= scanned, name
        if scanned - tree:
            extra[name] = scanned - tree
    assert extra == {"textsr.recognition": {"textsr.recognition"}}


def test_import_scan_reads_parenthesised_aliased_and_relative_imports(fake_package):
    (fake_package / "e.py").write_text(
        "from textsr.sub import (  # the submodule\n    b as bee,\n    c,\n)\nimport textsr.d as dee, os\n")
    assert module_closure("textsr.e") == ["textsr.d", "textsr.e", "textsr.sub", "textsr.sub.b", "textsr.sub.c"]
