"""Where an installed wheel keeps the C++ library for native apps (README, "Use from C and C++").

The wheel carries the one shared library that ``tconv1d._core`` links, its
headers (C API ``tconv1d/tconv1d.h``, C++ API ``tconv1d/tconv1d.hpp``), the
CMake package and a pkg-config file, all inside the package directory::

    tconv1d/include/tconv1d/...            get_include()
    tconv1d/lib/libtconv1d.so.0.1           get_library_dir()  (macOS: .dylib; Windows: .lib, DLL beside _core)
    tconv1d/lib/cmake/tconv1d/              cmake_dir()
    tconv1d/lib/pkgconfig/tconv1d.pc        pkgconfig_dir()
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _installed(path: Path, what: str) -> str:
    if not path.is_dir():
        raise FileNotFoundError(
            f"tconv1d's {what} is not in this installation ({path} is missing): it ships in the wheel "
            "and in `pip install .`; a source checkout on sys.path has none (build it with CMake, see README)"
        )
    return str(path)


def get_include() -> str:
    """The directory to put on the include path: it holds ``tconv1d/tconv1d.h`` and ``tconv1d/tconv1d.hpp``."""
    return _installed(PACKAGE_DIR / "include", "include directory")


def get_library_dir() -> str:
    """The directory of the C++ library (the file to link, and on Linux and macOS the one loaded at run time)."""
    return _installed(PACKAGE_DIR / "lib", "library directory")


def cmake_dir() -> str:
    """The directory of ``tconv1dConfig.cmake``: pass it as ``-Dtconv1d_DIR=...`` to ``find_package(tconv1d)``."""
    return _installed(PACKAGE_DIR / "lib" / "cmake" / "tconv1d", "CMake package")


def pkgconfig_dir() -> str:
    """The directory of ``tconv1d.pc``: add it to ``PKG_CONFIG_PATH``."""
    return _installed(PACKAGE_DIR / "lib" / "pkgconfig", "pkg-config file")
