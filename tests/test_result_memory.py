"""Result memory (SPEC R8.6): results of 1 MiB and more live in the core's cached
memory, which goes back to the cache when the array is freed and is handed to
the next result of about the same size. What could go wrong: a reused block's
old contents leaking into a result, a block freed twice or never, a small
result pinning a much larger block, the cache limit not applying."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import numpy as np
import pytest
from isolated import run_isolated
from oracles import backward, forward, relative_error

import tconv1d
from tconv1d.arrays import CACHED_RESULT_BYTES

# (B, C, L), (F, K, C), stride: an output of 8 * 64 * 1026 * 4 bytes = 2.1 MB in float32.
X_SHAPE, W_SHAPE, STRIDE = (8, 16, 512), (4, 64, 16), 2


@pytest.fixture(autouse=True)
def _default_cache_limit():
    before = tconv1d.workspace_cache_limit()
    yield
    tconv1d.set_workspace_cache_limit(before)


def _operands(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    w = rng.standard_normal(W_SHAPE).astype(dtype)
    b = rng.standard_normal(W_SHAPE[1]).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cropping", [0, "same", [3, 0]])
def test_a_reused_block_holds_none_of_its_old_contents(dtype, cropping):
    x, w, b = _operands(dtype)
    first = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE, cropping=cropping)
    assert first.nbytes >= CACHED_RESULT_BYTES
    address = first.ctypes.data
    first.fill(np.nan)  # what a reuse must overwrite completely
    del first
    gc.collect()
    again = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE, cropping=cropping)
    assert again.ctypes.data == address, "the freed result block was not reused"
    want = forward(x, w, b, STRIDE, cropping)
    assert np.isfinite(again).all()
    assert relative_error(again, want) < (1e-5 if dtype == np.float32 else 1e-12)


def test_gradients_in_reused_blocks_are_complete():
    x, w, _ = _operands(np.float32)
    x = np.repeat(x, 8, axis=2)  # dx of 8 * 16 * 4096 * 4 bytes = 2.1 MB
    dy = np.random.default_rng(1).standard_normal((8, 64, 2 * 4095 + 4)).astype(np.float32)
    dx, _, _ = tconv1d.transposed_conv1d_backward(x, w, dy, stride=STRIDE)
    assert dx.nbytes >= CACHED_RESULT_BYTES
    dx.fill(np.inf)
    del dx
    gc.collect()
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=STRIDE)
    want_dx, want_dw, want_db = backward(x, w, dy, STRIDE, 0)
    assert relative_error(dx, want_dx) < 1e-5
    assert relative_error(dw, want_dw) < 1e-5
    assert relative_error(db, want_db) < 1e-5


def test_freed_results_count_against_the_cache_limit():
    x, w, b = _operands(np.float64)
    y = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE)
    tconv1d.set_workspace_cache_limit(0)
    assert tconv1d.workspace_cached_bytes() == 0
    del y
    gc.collect()
    assert tconv1d.workspace_cached_bytes() == 0, "a freed result was kept beyond a limit of 0"
    tconv1d.set_workspace_cache_limit(256 << 20)
    y = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE)
    kept = tconv1d.workspace_cached_bytes()
    nbytes = y.nbytes
    del y
    gc.collect()
    assert tconv1d.workspace_cached_bytes() >= kept + nbytes


def _memory_groups() -> list[tuple[str, str]]:
    """(directory, limit file) of this process's memory control groups (Linux:
    cgroup v2's unified group, v1's memory group), from /proc/self/cgroup."""
    found = []
    try:
        with open("/proc/self/cgroup") as groups:
            lines = groups.read().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            found.append(("/sys/fs/cgroup" + path.rstrip("/"), "memory.max"))
        elif "memory" in controllers.split(","):
            found.append(("/sys/fs/cgroup/memory" + path.rstrip("/"), "memory.limit_in_bytes"))
    return found


def _group_limit() -> int | None:
    """The lowest memory limit set on this process's groups or their ancestors."""
    limits = []
    for directory, name in _memory_groups():
        while True:
            try:
                with open(os.path.join(directory, name)) as f:
                    text = f.read().strip()
                if text.isdigit() and int(text) > 0:
                    limits.append(int(text))
            except OSError:
                pass
            if directory in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory"):
                break
            directory = os.path.dirname(directory)
    return min(limits, default=None)


def test_the_default_cache_limit_is_a_sixteenth_of_memory_within_256_mib_and_1_gib():
    # R8.3, in a new interpreter (the tests here set the limit): the memory is
    # the machine's, or the control group's limit where that is lower.
    out = run_isolated("print(tconv1d.workspace_cache_limit())")
    memory = _group_limit()
    if "SC_PHYS_PAGES" in getattr(os, "sysconf_names", {}):
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = physical if memory is None else min(memory, physical)
    want = 256 << 20 if memory is None else min(max(memory // 16, 256 << 20), 1 << 30)
    assert int(out) == want


def test_the_default_cache_limit_follows_a_lower_control_group_limit():
    # A container's memory limit (R8.3): a new interpreter joins a child
    # control group limited to 8 GiB, whose sixteenth, 512 MiB, lies between
    # the bounds. Where no such group can be made here (not root, no cgroup
    # v1 memory hierarchy or v2 memory controller), skipped.
    made = None
    for directory, name in _memory_groups():
        child = os.path.join(directory, f"tconv1d-test-{os.getpid()}")
        try:
            os.mkdir(child)
        except OSError:
            continue
        try:
            # A control group's directory comes with its files; a plain one
            # (the hierarchies' parent, where that is a tmpfs) does not.
            with open(os.path.join(child, name), "r+") as f:
                f.write(str(8 << 30))
            made = child
            break
        except OSError:
            os.rmdir(child)
    if made is None:
        pytest.skip("no memory control group can be made here")
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    existing = _group_limit()  # the child's ancestors', which bound it too
    if physical <= 8 << 30 or (existing is not None and existing <= 8 << 30):
        os.rmdir(made)
        pytest.skip("the machine or the enclosing group has no more memory than the child's limit")
    join = f"open({os.path.join(made, 'cgroup.procs')!r}, 'w').write(str(os.getpid()))"
    try:
        result = subprocess.run(
            [sys.executable, "-c", f"import os; {join}; import tconv1d; print(tconv1d.workspace_cache_limit())"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.rmdir(made)  # empty again: its one process has ended
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 512 << 20


def test_a_small_result_does_not_take_a_much_larger_block():
    x, w, b = _operands(np.float64)
    big = tconv1d.transposed_conv1d(np.repeat(x, 4, axis=0), w, b, stride=STRIDE)  # 4x the bytes
    big_address = big.ctypes.data
    del big
    gc.collect()
    small = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE)
    assert small.nbytes >= CACHED_RESULT_BYTES
    assert small.ctypes.data != big_address


def test_results_below_the_threshold_are_plain_numpy_arrays():
    y = tconv1d.transposed_conv1d(np.ones((1, 2, 8)), np.ones((3, 4, 2)), stride=2)
    assert y.nbytes < CACHED_RESULT_BYTES
    assert y.flags.owndata


def test_cached_results_behave_as_arrays():
    x, w, b = _operands(np.float32)
    y = tconv1d.transposed_conv1d(x, w, b, stride=STRIDE)
    assert y.flags.c_contiguous and y.flags.writeable and y.flags.aligned
    view = y[:, :3]
    copy = np.array(y)
    del y
    gc.collect()
    np.testing.assert_array_equal(view, copy[:, :3])  # the view keeps the block alive
