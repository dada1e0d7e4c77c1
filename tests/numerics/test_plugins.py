"""numerics.plugins: named modules and the entry-point group load a user's theorems; the current folder
is searched after sys.path (it never shadows an installed module); bad names are one error naming the option."""

from __future__ import annotations

import sys

import pytest

from numerics.plugins import load_plugins
from tests.numerics.readme_theorems import run_python as _run
from tests.numerics.readme_theorems import write_my_theorems as _my_theorems


def test_entry_point_group_loads_a_users_module(tmp_path):
    (tmp_path / "src").mkdir()
    _my_theorems(tmp_path / "src")
    dist = tmp_path / "src" / "my_theorems_pkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-theorems-pkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[rankbounds.theorems]\nmine = my_theorems\n")
    done = _run(["-m", "numerics", "theorems"], tmp_path, extra_path=[tmp_path / "src"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "example.eps_rank_trace" in done.stdout


@pytest.fixture
def two_folders(tmp_path, monkeypatch):
    """``installed/`` on sys.path and the current folder ``here/``, both holding ``rb_probe_twin.py``."""
    installed, here = tmp_path / "installed", tmp_path / "here"
    for folder in (installed, here):
        folder.mkdir()
        (folder / "rb_probe_twin.py").write_text(f"WHERE = {folder.name!r}\n")
    (here / "rb_probe_only_here.py").write_text("WHERE = 'here'\n")
    monkeypatch.syspath_prepend(str(installed))  # also restores sys.path afterwards
    sys.path[:] = [p for p in sys.path if p not in ("", str(here))]  # "": a plain `python` run's own folder
    monkeypatch.chdir(here)
    yield here
    for name in ("rb_probe_twin", "rb_probe_only_here"):
        sys.modules.pop(name, None)


def test_the_current_folder_is_searched_after_sys_path(two_folders):
    assert load_plugins(["rb_probe_twin", "rb_probe_only_here"], entry_points=False) == ["rb_probe_twin",
                                                                                          "rb_probe_only_here"]
    assert sys.modules["rb_probe_only_here"].WHERE == "here"  # found beside the user
    assert sys.modules["rb_probe_twin"].WHERE == "installed"  # but it shadows nothing on sys.path
    assert sys.path[-1] == str(two_folders) and sys.path.count(str(two_folders)) == 1


def test_a_name_that_does_not_import_is_one_error_naming_the_option(two_folders):
    with pytest.raises(ValueError, match=r"^--rankbounds-plugin 'rb_nowhere': no module named 'rb_nowhere' "
                                         r"\(searched .*here and sys.path\)"):
        load_plugins(["rb_nowhere"], entry_points=False, option="--rankbounds-plugin")
    with pytest.raises(ValueError, match=r"--plugin must name an importable module, got 'x.py' "
                                         r"\(a module name, not a file: 'x'\)"):
        load_plugins(["x.py"], entry_points=False)
    with pytest.raises(ValueError, match="--plugin must name an importable module, got ''"):
        load_plugins([""], entry_points=False)


def test_no_named_module_leaves_sys_path_alone(two_folders):
    before = list(sys.path)
    assert load_plugins([], entry_points=False) == []
    assert sys.path == before
