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


def test_unknown_module_is_an_error():
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        code_version("textsr.no_such_module")
