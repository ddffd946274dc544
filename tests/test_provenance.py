import pytest

from textsr import provenance
from textsr.provenance import code_version


def test_code_version_is_stable_and_depends_on_module_set():
    a = code_version("textsr.imageio")
    assert a == code_version("textsr.imageio")
    assert len(a) == 12
    assert a != code_version("textsr.imageio", "textsr.logs")


def test_code_version_changes_with_source(tmp_path, monkeypatch):
    mod = tmp_path / "tmp_mod_for_code_version.py"
    mod.write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = code_version("tmp_mod_for_code_version")
    mod.write_text("x = 2\n")
    assert code_version("tmp_mod_for_code_version") != before


def test_unknown_module_is_an_error():
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        provenance.code_version("textsr.no_such_module")
