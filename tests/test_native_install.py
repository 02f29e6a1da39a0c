"""What an installed tconv1d offers native apps (README, "Install" and "Use from
C and C++"): the one shared library the Python module links, its headers, the
CMake package with its version file and a pkg-config file, found through
tconv1d.cmake_dir() / get_include() / get_library_dir() / pkgconfig_dir(), the
``--cmake-dir``-style flags of both commands, and the ``cmake.root`` entry point.
Building and running native programs against them is CI's job
(cpp/examples/build_and_run.sh); here the installation is inspected."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import subprocess
import sys

import pytest

import tconv1d
from tconv1d import _core, cli

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent


def _library_files() -> list[pathlib.Path]:
    lib = pathlib.Path(tconv1d.get_library_dir())
    package = lib.parent
    patterns = ["libtconv1d.so*", "libtconv1d*.dylib"]
    found = [p for pattern in patterns for p in lib.glob(pattern)] + list(package.glob("tconv1d*.dll"))
    return sorted(found)


def test_the_headers_the_cmake_package_and_the_pkg_config_file_are_installed():
    include = pathlib.Path(tconv1d.get_include())
    for header in ("tconv1d.h", "tconv1d.hpp", "export.h", "passes.hpp", "view.hpp"):
        assert (include / "tconv1d" / header).is_file(), header
    cmake = pathlib.Path(tconv1d.cmake_dir())
    for name in ("tconv1dConfig.cmake", "tconv1dConfigVersion.cmake", "tconv1dTargets.cmake"):
        assert (cmake / name).is_file(), name
    assert f'set(PACKAGE_VERSION "{tconv1d.__version__}")' in (cmake / "tconv1dConfigVersion.cmake").read_text()
    pc = (pathlib.Path(tconv1d.pkgconfig_dir()) / "tconv1d.pc").read_text()
    assert f"Version: {tconv1d.__version__}" in pc
    assert "Cflags: -I${includedir}" in pc


def test_there_is_exactly_one_library_and_its_soname_carries_major_and_minor():
    files = _library_files()
    assert len(files) == 1, files  # no second copy (a wheel cannot hold a name link)
    major, minor = tconv1d.__version__.split(".")[:2]
    if sys.platform.startswith("linux"):
        assert files[0].name == f"libtconv1d.so.{major}.{minor}"
        soname = _elf_soname(files[0])
        assert soname == files[0].name


def _elf_soname(path: pathlib.Path) -> str | None:
    readelf = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=False)
    if readelf.returncode != 0:
        pytest.skip("readelf is not installed")
    match = re.search(r"\(SONAME\)\s+Library soname: \[(.*)\]", readelf.stdout)
    return match.group(1) if match else None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps (Linux)")
def test_the_python_module_runs_on_that_same_library():
    (library,) = _library_files()
    _core.version()  # loaded
    maps = pathlib.Path("/proc/self/maps").read_text()
    loaded = {line.split()[-1] for line in maps.splitlines() if "libtconv1d" in line}
    assert loaded == {str(library.resolve())}


def test_the_cmake_root_entry_point_names_the_package():
    points = [p for p in importlib.metadata.entry_points(group="cmake.root") if p.name == "tconv1d"]
    assert len(points) == 1
    assert points[0].load() is tconv1d


@pytest.mark.parametrize("flag", sorted(cli.PATH_FLAGS))
def test_both_commands_print_the_paths(flag):
    expected = getattr(tconv1d, cli.PATH_FLAGS[flag][0])()
    for command in (["tconv1d"], [sys.executable, "-m", "tconv1d"]):
        if command == ["tconv1d"]:
            command = [str(pathlib.Path(sys.executable).with_name("tconv1d"))]
            if not pathlib.Path(command[0]).exists():
                continue  # the console script lives beside the interpreter in a venv only
        result = subprocess.run([*command, flag], capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


def test_version_flag_and_python_dash_m_subcommands():
    version = subprocess.run(
        [sys.executable, "-m", "tconv1d", "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert version.returncode == 0 and version.stdout.strip() == f"tconv1d {tconv1d.__version__}"
    info = subprocess.run(
        [sys.executable, "-m", "tconv1d", "info"], capture_output=True, text=True, timeout=120, check=False
    )
    assert info.returncode == 0, info.stderr
    assert f"version: {tconv1d.__version__}" in info.stdout


def test_a_missing_native_tree_is_a_clear_error(monkeypatch, tmp_path, capsys):
    from tconv1d import native

    monkeypatch.setattr(native, "PACKAGE_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="CMake package is not in this installation"):
        tconv1d.cmake_dir()
    assert cli.main(["--include-dir"]) == 2
    assert "include directory is not in this installation" in capsys.readouterr().err
