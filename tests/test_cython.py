"""Cython code calls the core without the GIL (README, "From Cython"): the example
examples/cython/upsample.pyx is compiled against the installed package —
``from tconv1d cimport capi`` found through ``tconv1d.get_include()``, the
library from ``tconv1d.get_library_dir()`` — and its forward pass and gradients,
computed inside ``with nogil:`` on typed memoryviews, match the loop-nest oracle
for float32 and float64, strided views and both cropping kinds.

Skipped where Cython or a C compiler is missing (the installed-wheel job has
no compiler on purpose), or where the example is not there (a copy of tests/)."""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import oracles
import pytest

import tconv1d

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "cython" / "upsample.pyx"


def _compiler() -> str | None:
    configured = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(configured) or shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="module")
def upsample(tmp_path_factory):
    if not EXAMPLE.is_file():
        pytest.skip("the Cython example is in the source checkout, not in this copy of tests/")
    pytest.importorskip("Cython", reason="Cython is a test dependency (pip install '.[test]')")
    compiler = _compiler()
    if compiler is None:
        pytest.skip("no C compiler on PATH")
    if not sys.platform.startswith("linux"):
        pytest.skip("the build line below is Linux's (README shows the others)")
    build = tmp_path_factory.mktemp("cython")
    source = build / EXAMPLE.name
    shutil.copy(EXAMPLE, source)
    include = tconv1d.get_include()
    library_dir = pathlib.Path(tconv1d.get_library_dir())
    (library,) = library_dir.glob("libtconv1d.so.*")
    cython = subprocess.run(
        [sys.executable, "-m", "cython", "-3", "-I", include, str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cython.returncode == 0, cython.stderr
    module = build / ("upsample" + sysconfig.get_config_var("EXT_SUFFIX"))
    cc = subprocess.run(
        [
            compiler,
            "-shared",
            "-fPIC",
            "-O1",
            str(source.with_suffix(".c")),
            "-o",
            str(module),
            "-I",
            sysconfig.get_paths()["include"],
            "-I",
            include,
            str(library),
            f"-Wl,-rpath,{library_dir}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cc.returncode == 0, cc.stderr
    spec = importlib.util.spec_from_file_location("upsample", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("stride", "cropping"), [(2, "same"), (3, (1, 2)), (4, "same")])
def test_forward_and_gradients_match_the_oracle(upsample, dtype, stride, cropping):
    rng = np.random.default_rng(stride)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    x_big = rng.standard_normal((3, 4, 22)).astype(dtype)
    x = x_big[:, ::-1, ::2]  # strided and reversed: no copy is needed by the C API
    w = rng.standard_normal((5, 6, 4)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    y = upsample.forward(x, w, b, stride, cropping)
    crop = "same" if cropping == "same" else list(cropping)
    want = oracles.forward(x, w, b, stride, crop)
    assert y.dtype == dtype and y.shape == want.shape
    assert oracles.relative_error(y, want) < tol

    dy = rng.standard_normal(y.shape).astype(dtype)
    dx, dw, db = upsample.gradients(x, w, dy, stride, cropping)
    for got, expected in zip((dx, dw, db), oracles.backward(x, w, dy, stride, crop)):
        assert got.dtype == dtype
        assert oracles.relative_error(got, expected) < tol


def test_bad_input_is_a_python_exception_naming_it(upsample):
    x = np.ones((1, 2, 5), np.float32)
    w = np.ones((3, 4, 2), np.float32)
    with pytest.raises(ValueError, match="bias must have NumFilters = 4"):
        upsample.forward(x, w, np.ones(3, np.float32), 1, "same")
    with pytest.raises(ValueError, match="NumChannels"):
        upsample.forward(np.ones((1, 3, 5), np.float32), w, np.ones(4, np.float32), 1, "same")
    with pytest.raises(ValueError, match="Stride must be a positive integer"):
        upsample.forward(x, w, np.ones(4, np.float32), 0, "same")
    with pytest.raises(ValueError, match="dy: length"):
        upsample.gradients(x, w, np.ones((1, 4, 6), np.float32), 1, "same")


def test_version_through_the_c_api(upsample):
    assert upsample.version() == tconv1d.__version__
