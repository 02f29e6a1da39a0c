"""The GPU path (issue 5).

On every machine: each kernel source compiles to PTX for sm_90 with nvcc, with
every template instance the module asks NVRTC for, and ``import tconv1d.cuda``
works without CuPy or a GPU. With CuPy and a CUDA device: every pass against the
CPU path on randomized shapes (cropping, 'same' with F < S and F >= S, L = 1,
strided and reversed inputs, every tile shape), bitwise repeatability, CuPy in
and CuPy out, and the errors for arrays on different devices.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest

import tconv1d
import tconv1d.cuda as tcuda
from tconv1d.cuda import module

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

# --------------------------------------------------------------- no GPU needed


def _nvcc():
    found = shutil.which("nvcc")
    if found:
        return found
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    candidate = pathlib.Path(home) / "bin" / "nvcc"
    return str(candidate) if candidate.exists() else None


@pytest.mark.parametrize("filename", sorted(module.KERNELS))
def test_kernel_compiles_to_ptx_for_sm90(filename, tmp_path):
    nvcc = _nvcc()
    if nvcc is None:
        pytest.skip("nvcc not found")
    if not any(shutil.which(host) for host in ("g++", "gcc", "c++", "clang++")):
        pytest.skip("nvcc needs a host C++ compiler on PATH (none here: the installed-wheel job)")
    names = module.name_expressions(filename)
    # Taking each instance's address makes nvcc emit exactly the instances NVRTC is asked for.
    wrapper = tmp_path / "instances.cu"
    wrapper.write_text(
        f'#include "{module.KERNEL_DIR / filename}"\n'
        "static void* const instances[] = {\n" + ",\n".join(f"    (void*)&{n}" for n in names) + "\n};\n"
    )
    ptx = tmp_path / "out.ptx"
    options = ["--ptx", "-arch=sm_90", *module.NVRTC_OPTIONS]
    # nvcc is not ours to sanitize: the sanitizer job's LD_PRELOAD stays with Python.
    env = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
    result = subprocess.run([nvcc, *options, "-o", str(ptx), str(wrapper)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    entries = re.findall(r"\.entry\s+(\S+?)\(", ptx.read_text())
    assert len(entries) == len(names), (entries, names)
    for kernel in module.KERNELS[filename]:
        assert any(kernel in entry for entry in entries), kernel


def test_nvrtc_source_expands_the_common_header():
    for filename in module.KERNELS:
        text = module.source(filename)
        assert '#include "common.cuh"' not in text
        assert "struct Tiles" in text or filename == "backward_bias.cu"


def test_import_and_clear_error_without_gpu():
    assert isinstance(tcuda.available(), bool)
    if tcuda.available():
        pytest.skip("a CUDA device is present")
    x = np.ones((1, 2, 3), np.float32)
    w = np.ones((2, 2, 2), np.float32)
    with pytest.raises(RuntimeError, match=r"CuPy is not installed|no CUDA device"):
        tcuda.transposed_conv1d(x, w)
    with pytest.raises(RuntimeError, match=r"CuPy is not installed|no CUDA device"):
        tcuda.transposed_conv1d_backward(x, w, np.ones((1, 2, 4), np.float32))


# --------------------------------------------------------------- device tests

try:
    import cupy
except ImportError:  # pragma: no cover - depends on the machine
    cupy = None

_gpu_reason = "CuPy is not installed" if cupy is None else "no CUDA device"
gpu = pytest.mark.skipif(not tcuda.available(), reason=_gpu_reason)


def _relative(got, want) -> float:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    scale = np.linalg.norm(want)
    return float(np.linalg.norm(got - want) / (scale if scale else 1.0))


_TOL = {np.float32: 1e-5, np.float64: 1e-12}

# (batch, channels, filters, F, S, L, cropping)
_CASES = [
    (2, 3, 4, 5, 2, 7, 0),
    (2, 3, 4, 3, 5, 6, "same"),  # F < S: bias-only extension
    (3, 5, 6, 11, 4, 9, "same"),
    (2, 4, 3, 7, 3, 5, [2, 4]),  # asymmetric
    (2, 3, 2, 4, 2, 1, [1, 0]),  # L = 1
    (2, 17, 19, 3, 1, 33, [1, 1]),  # stride 1
    (1, 5, 6, 9, 2, 10, [5, 3]),  # crop_left > S
    (4, 70, 130, 16, 8, 40, [4, 4]),  # several tiles each way
    (3, 130, 20, 4, 2, 150, "same"),
    (1, 1, 1, 1, 1, 1, 0),
    (2, 2, 3, 1, 7, 3, "same"),  # F = 1 < S
    (2, 64, 256, 16, 8, 16, [4, 4]),  # long reduction over few outputs: backward-data is split
    (2, 3, 4, 6, 2**40, 1, 0),  # stride far above the output length: one block per output phase
    (1, 2, 3, 5, 2**63 - 1, 1, [1, 2]),  # the largest stride (R2.5)
]


def _random_case(rng):
    f = int(rng.integers(1, 13))
    s = int(rng.integers(1, 9))
    length = int(rng.integers(1, 90))
    full = (length - 1) * s + f
    if rng.random() < 0.3:
        cropping = "same"
    else:
        left = int(rng.integers(0, full))
        right = int(rng.integers(0, full - left))
        cropping = [left, right]
    return (int(rng.integers(1, 5)), int(rng.integers(1, 80)), int(rng.integers(1, 140)), f, s, length, cropping)


_RANDOM = [_random_case(np.random.default_rng(seed)) for seed in range(16)]


def _data(case, dtype, seed):
    batch, channels, filters, f, s, length, cropping = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, channels, length)).astype(dtype)
    w = rng.standard_normal((f, filters, channels)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    out_length = tconv1d.output_length(length, f, s, cropping)
    dy = rng.standard_normal((batch, filters, out_length)).astype(dtype)
    return x, w, b, dy


def _compare(case, dtype, seed):
    _, _, _, _f, s, _, cropping = case
    x, w, b, dy = _data(case, dtype, seed)
    y_cpu = tconv1d.transposed_conv1d(x, w, b, stride=s, cropping=cropping)
    grads_cpu = tconv1d.transposed_conv1d_backward(x, w, dy, stride=s, cropping=cropping)
    xg, dyg = cupy.asarray(x), cupy.asarray(dy)
    y = tcuda.transposed_conv1d(xg, w, b, stride=s, cropping=cropping)
    grads = tcuda.transposed_conv1d_backward(xg, cupy.asarray(w), dyg, stride=s, cropping=cropping)
    tol = _TOL[dtype]
    assert isinstance(y, cupy.ndarray) and y.shape == y_cpu.shape and y.dtype == dtype
    assert _relative(y.get(), y_cpu) <= tol, ("forward", case)
    for name, got, want in zip(("dx", "dw", "db"), grads, grads_cpu):
        assert isinstance(got, cupy.ndarray) and got.shape == want.shape, name
        assert _relative(got.get(), want) <= tol, (name, case)


_TRANSFORMS = {
    "every-other-position": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "reversed-positions": lambda a: np.ascontiguousarray(a[..., ::-1])[..., ::-1],
    "channels-last": lambda a: np.ascontiguousarray(a.transpose(0, 2, 1)).transpose(0, 2, 1),
}
_TRANSFORMS_DEVICE = {
    "every-other-position": lambda a: cupy.repeat(a, 2, axis=-1)[..., ::2],
    "reversed-positions": lambda a: cupy.ascontiguousarray(a[..., ::-1])[..., ::-1],
    "channels-last": lambda a: cupy.ascontiguousarray(a.transpose(0, 2, 1)).transpose(0, 2, 1),
}


@gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", _CASES + _RANDOM)
def test_every_pass_matches_cpu(case, dtype):
    _compare(case, dtype, seed=hash(str(case)) % 1000)


@gpu
@pytest.mark.parametrize("config", list(module.TILE_CONFIGS))
@pytest.mark.parametrize("case", [_CASES[7], _CASES[8], _CASES[1], (8, 40, 36, 4, 2, 700, [1, 1])])
def test_every_tile_shape_matches_cpu(case, config, monkeypatch):
    from tconv1d.cuda import passes

    monkeypatch.setattr(passes, "forced_config", config)
    _compare(case, np.float32, seed=3)
    _compare(case, np.float64, seed=4)


@gpu
@pytest.mark.parametrize("name", list(_TRANSFORMS))
def test_strided_inputs(name):
    case = (3, 20, 7, 6, 3, 25, [2, 1])
    _, _, _, _f, s, _, cropping = case
    x, w, b, dy = _data(case, np.float64, 11)
    xs, dys = _TRANSFORMS[name](x), _TRANSFORMS[name](dy)
    xg, dyg = _TRANSFORMS_DEVICE[name](cupy.asarray(x)), _TRANSFORMS_DEVICE[name](cupy.asarray(dy))
    assert not xg.flags.c_contiguous
    y = tcuda.transposed_conv1d(xg, w, b, stride=s, cropping=cropping)
    assert _relative(y.get(), tconv1d.transposed_conv1d(xs, w, b, stride=s, cropping=cropping)) <= 1e-12
    got = tcuda.transposed_conv1d_backward(xg, w, dyg, stride=s, cropping=cropping)
    want = tconv1d.transposed_conv1d_backward(xs, w, dys, stride=s, cropping=cropping)
    for g, r in zip(got, want):
        assert _relative(g.get(), r) <= 1e-12


@gpu
@pytest.mark.parametrize("fmt", ["SCB", "CBT", "SCBT", "SC", "CT", "SCT", "TCB"])
def test_formats(fmt):
    rng = np.random.default_rng(5)
    shape = {"S": 9, "T": 9, "C": 4, "B": 3}
    if "S" in fmt and "T" in fmt:
        shape["T"] = 2
    x = rng.standard_normal([shape[label] for label in fmt])
    w = rng.standard_normal((5, 6, 4))
    b = rng.standard_normal(6)
    y_cpu = tconv1d.transposed_conv1d(x, w, b, stride=3, cropping="same", fmt=fmt)
    y = tconv1d.transposed_conv1d(cupy.asarray(x), w, b, stride=3, cropping="same", fmt=fmt)
    assert isinstance(y, cupy.ndarray) and y.shape == y_cpu.shape
    assert _relative(y.get(), y_cpu) <= 1e-12
    dy = rng.standard_normal(y_cpu.shape)
    want = tconv1d.transposed_conv1d_backward(x, w, dy, stride=3, cropping="same", fmt=fmt)
    got = tconv1d.transposed_conv1d_backward(cupy.asarray(x), w, cupy.asarray(dy), stride=3, cropping="same", fmt=fmt)
    for g, r in zip(got, want):
        assert isinstance(g, cupy.ndarray) and _relative(g.get(), r) <= 1e-12


@gpu
def test_every_output_element_is_written():
    # A NaN-filled pool block reused for the output would show through any unwritten element.
    x = cupy.asarray(np.random.default_rng(1).standard_normal((2, 5, 13)).astype(np.float32))
    filler = cupy.full((2 * 6 * 65,), np.nan, dtype=np.float32)
    del filler
    y = tcuda.transposed_conv1d(x, np.ones((3, 6, 5), np.float32), None, stride=5, cropping="same")
    assert bool(cupy.isfinite(y).all())
    assert float(cupy.abs(y[:, :, -2:]).max()) == 0.0  # F < S: extension positions hold the (zero) bias


@gpu
@pytest.mark.parametrize(
    "case",
    [
        (8, 16, 8, 4, 2, 2048, [1, 1]),  # long (n, i) reduction: backward-weights is split
        (2, 64, 256, 16, 8, 16, [4, 4]),  # long (f, k) reduction: backward-data is split
    ],
)
def test_gradients_are_bitwise_repeatable(case):
    _, _, _, _f, s, _, cropping = case
    x, w, b, dy = _data(case, np.float32, 9)
    xg, dyg = cupy.asarray(x), cupy.asarray(dy)
    first = [a.get() for a in tcuda.transposed_conv1d_backward(xg, w, dyg, stride=s, cropping=cropping)]
    for _ in range(3):
        again = [a.get() for a in tcuda.transposed_conv1d_backward(xg, w, dyg, stride=s, cropping=cropping)]
        for a, b_ in zip(first, again):
            assert np.array_equal(a.view(np.uint32), b_.view(np.uint32))
    y1 = tcuda.transposed_conv1d(xg, w, b, stride=s, cropping=cropping).get()
    y2 = tcuda.transposed_conv1d(xg, w, b, stride=s, cropping=cropping).get()
    assert np.array_equal(y1.view(np.uint32), y2.view(np.uint32))


@gpu
def test_inputs_are_not_modified():
    x, w, b, dy = _data((2, 3, 4, 5, 2, 7, 0), np.float32, 2)
    xg, wg, bg, dyg = (cupy.asarray(a) for a in (x, w, b, dy))
    copies = [a.copy() for a in (xg, wg, bg, dyg)]
    tcuda.transposed_conv1d(xg, wg, bg, stride=2)
    tcuda.transposed_conv1d_backward(xg, wg, dyg, stride=2)
    for a, c in zip((xg, wg, bg, dyg), copies):
        assert bool((a == c).all())


@gpu
def test_host_data_with_device_weights_is_an_error():
    x = np.ones((1, 2, 3), np.float32)
    with pytest.raises(ValueError, match="x is a host array"):
        tconv1d.transposed_conv1d(x, cupy.ones((2, 2, 2), np.float32))


@gpu
def test_validation_messages_match_the_cpu_path():
    x = cupy.ones((1, 2, 3), np.float32)
    with pytest.raises(ValueError, match="channels"):
        tcuda.transposed_conv1d(x, np.ones((2, 2, 5), np.float32))
    with pytest.raises(ValueError, match="stride"):
        tcuda.transposed_conv1d(x, np.ones((2, 2, 2), np.float32), stride=0)
    with pytest.raises(TypeError, match="float32 or float64"):
        tcuda.transposed_conv1d(cupy.ones((1, 2, 3), np.int32), np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="bias"):
        tcuda.transposed_conv1d(x, np.ones((2, 2, 2), np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="dy must have the output's shape"):
        tcuda.transposed_conv1d_backward(x, np.ones((2, 2, 2), np.float32), cupy.ones((1, 2, 3), np.float32))


@gpu
@pytest.mark.skipif(
    cupy is None or (tcuda.available() and cupy.cuda.runtime.getDeviceCount() < 2), reason="needs two CUDA devices"
)
def test_mixing_devices_is_an_error():
    with cupy.cuda.Device(0):
        x = cupy.ones((1, 2, 3), np.float32)
    with cupy.cuda.Device(1):
        w = cupy.ones((2, 2, 2), np.float32)
    with pytest.raises(ValueError, match="device"):
        tcuda.transposed_conv1d(x, w)


@gpu
@pytest.mark.parametrize("config", [None, *list(module.TILE_CONFIGS)])
def test_inf_and_nan_propagate(config, monkeypatch):
    from tconv1d.cuda import passes

    monkeypatch.setattr(passes, "forced_config", config)
    rng = np.random.default_rng(8)
    x = rng.random((2, 6, 20)).astype(np.float32)
    x[0, 1, 4] = np.inf
    x[1, 2, 7] = np.nan
    w = rng.random((5, 7, 6)).astype(np.float32) + 0.1  # positive: Inf stays Inf, no Inf - Inf
    want = tconv1d.transposed_conv1d(x, w, None, stride=2, cropping=1)
    got = tcuda.transposed_conv1d(cupy.asarray(x), w, None, stride=2, cropping=1).get()
    assert np.array_equal(np.isposinf(got), np.isposinf(want))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    assert _relative(got[finite], want[finite]) <= 1e-5


@gpu
def test_non_finite_operands_meeting_the_padding_match_cpu():
    rng = np.random.default_rng(12)
    for case in _CASES:
        _, _, _, _f, s, _, cropping = case
        x, w, _, dy = _data(case, np.float64, seed=3)
        x[..., 0] = np.inf  # first input of every channel: meets the left crop for some taps
        w[0] = -np.inf if rng.random() < 0.5 else np.nan  # first tap: reaches past the input's end
        want = [
            tconv1d.transposed_conv1d(x, w, None, stride=s, cropping=cropping),
            *tconv1d.transposed_conv1d_backward(x, w, dy, stride=s, cropping=cropping),
        ]
        got = [
            tcuda.transposed_conv1d(cupy.asarray(x), w, None, stride=s, cropping=cropping),
            *tcuda.transposed_conv1d_backward(
                cupy.asarray(x), cupy.asarray(w), cupy.asarray(dy), stride=s, cropping=cropping
            ),
        ]
        for name, g, e in zip(("y", "dx", "dw", "db"), got, want):
            g = g.get()
            for test in (np.isnan, np.isposinf, np.isneginf):
                assert np.array_equal(test(g), test(e)), (name, case)


@gpu
def test_torch_cuda_tensors_come_back_as_torch_cuda_tensors():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this torch has no CUDA device")
    x, w, b, dy = _data((2, 3, 4, 5, 2, 7, "same"), np.float32, 4)
    xt, wt, dyt = (torch.from_numpy(a).cuda() for a in (x, w, dy))
    y = tconv1d.transposed_conv1d(xt, w, b, stride=2, cropping="same")
    assert isinstance(y, torch.Tensor) and y.device.type == "cuda"
    assert _relative(y.cpu().numpy(), tconv1d.transposed_conv1d(x, w, b, stride=2, cropping="same")) <= 1e-5
    grads = tconv1d.transposed_conv1d_backward(xt, wt, dyt, stride=2, cropping="same")
    for got, want in zip(grads, tconv1d.transposed_conv1d_backward(x, w, dy, stride=2, cropping="same")):
        assert isinstance(got, torch.Tensor) and got.device.type == "cuda"
        assert _relative(got.cpu().numpy(), want) <= 1e-5


@gpu
def test_jax_gpu_arrays_come_back_as_jax_gpu_arrays():
    jax = pytest.importorskip("jax")
    try:
        device = jax.devices("gpu")[0]
    except RuntimeError:
        pytest.skip("this JAX has no GPU backend")
    x, w, b, dy = _data((2, 3, 4, 5, 2, 7, [1, 2]), np.float64 if jax.config.jax_enable_x64 else np.float32, 5)
    xj, wj, dyj = (jax.device_put(a, device) for a in (x, w, dy))
    y = tconv1d.transposed_conv1d(xj, w, b, stride=2, cropping=[1, 2])
    assert isinstance(y, jax.Array) and y.devices() == {device}
    assert _relative(np.asarray(y), tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[1, 2])) <= 1e-5
    grads = tconv1d.transposed_conv1d_backward(xj, wj, dyj, stride=2, cropping=[1, 2])
    for got, want in zip(grads, tconv1d.transposed_conv1d_backward(x, w, dy, stride=2, cropping=[1, 2])):
        assert isinstance(got, jax.Array) and got.devices() == {device}
        assert _relative(np.asarray(got), want) <= 1e-5
