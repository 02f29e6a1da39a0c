"""Threads and processes (SPEC R8): the thread count's cap, a thread-creation
failure as an exception, fork children that compute instead of hanging, layers
shared between threads, and the workspace memory of concurrent calls."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest
from isolated import run_isolated

import tconv1d

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork and /proc (Linux)")
multi_core = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True,
    reason="needs two CPUs to run a team of threads",
)


def test_thread_cap_is_four_times_the_cpus():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert tconv1d.max_num_threads() == max(4, 4 * cpus)
    with pytest.raises(ValueError, match=f"at most {tconv1d.max_num_threads()}"):
        tconv1d.set_num_threads(tconv1d.max_num_threads() + 1)


def test_an_absurd_omp_num_threads_is_capped():
    out = run_isolated(
        """
        print(tconv1d.get_num_threads(), tconv1d.max_num_threads())
        y = tconv1d.transposed_conv1d(np.ones((8, 64, 512)), np.ones((4, 32, 64)), stride=2)
        assert y.shape == (8, 32, 1026)
    """,
        env={"OMP_NUM_THREADS": "2000"},
    )
    threads, cap = map(int, out.split())
    assert threads == cap


@linux_only
@multi_core
def test_threads_that_cannot_start_are_a_runtime_error_not_an_exit():
    # Stacks of 100 TB cannot be mapped, so no second thread can start; the
    # OpenMP runtime would print "Thread creation failed" and exit the process.
    out = run_isolated(
        """
        tconv1d.set_num_threads(2)
        x, w = np.ones((8, 64, 512)), np.ones((4, 32, 64))
        try:
            tconv1d.transposed_conv1d(x, w, stride=2)
        except RuntimeError as error:
            print("RuntimeError:", error)
        tconv1d.set_num_threads(1)  # the way out the message names
        y = tconv1d.transposed_conv1d(x, w, stride=2)
        print("then", y.shape)
    """,
        env={"OMP_STACKSIZE": "100000G"},
    )
    assert "RuntimeError: tconv1d: cannot start 2 threads" in out and "set_num_threads" in out, out
    assert "then (8, 32, 1026)" in out, out


FORK_CHILD = """
    import multiprocessing, os
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((16, 64, 256)), rng.standard_normal((6, 48, 64))
    tconv1d.set_num_threads(2)
    want = tconv1d.transposed_conv1d(x, w, stride=3)  # the parent now holds a thread pool
    want_dx = tconv1d.transposed_conv1d_backward(x, w, want, stride=3)[0]

    def work(seed):
        y = tconv1d.transposed_conv1d(x, w, stride=3)
        dx = tconv1d.transposed_conv1d_backward(x, w, y, stride=3)[0]
        return tconv1d.get_num_threads(), bool(np.array_equal(y, want)), bool(np.array_equal(dx, want_dx))

    with multiprocessing.get_context("fork").Pool(2) as pool:
        for threads, same_y, same_dx in pool.map(work, range(4)):
            print(threads, same_y, same_dx)
    pid = os.fork()
    if pid == 0:
        threads, same_y, same_dx = work(0)
        os._exit(0 if (threads, same_y, same_dx) == (1, True, True) else 3)
    print("os.fork child exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    print("parent still has", tconv1d.get_num_threads())
"""


@linux_only
@multi_core
def test_fork_children_after_multithreaded_calls_compute_correct_results():
    out = run_isolated(FORK_CHILD, timeout=120)
    lines = out.strip().splitlines()
    assert lines[:4] == ["1 True True"] * 4, out  # bitwise equal: results never depend on the thread count
    assert lines[4] == "os.fork child exit 0", out
    assert lines[5] == "parent still has 2", out


@linux_only
@multi_core
def test_children_forked_before_any_team_keep_their_threads():
    out = run_isolated(
        """
        import os
        tconv1d.set_num_threads(2)
        x, w = np.ones((16, 64, 256)), np.ones((6, 48, 64))
        pid = os.fork()  # before any multi-threaded call: the child has no broken pool
        if pid == 0:
            y = tconv1d.transposed_conv1d(x, w, stride=3)
            os._exit(0 if tconv1d.get_num_threads() == 2 and np.all(y[:, :, 10] == 128.0) else 3)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """,
        timeout=120,
    )
    assert out.split() == ["0"], out


def test_a_shared_layer_is_initialized_once():
    # Eight threads call predict on one fresh layer at once; the initializer is
    # slow, so without the lock several would draw their own weights and the
    # outputs would differ.
    import time

    def slow_glorot(size):
        time.sleep(0.05)
        return np.random.default_rng().uniform(-1, 1, size)

    layer = tconv1d.transposed_conv1d_layer(
        3, 4, Stride=2, WeightsInitializer=slow_glorot, BiasInitializer="narrownormal"
    )
    x = np.random.default_rng(0).standard_normal((5, 2, 7)).astype(np.float32)  # CBT
    start = threading.Barrier(8)
    outputs = [None] * 8

    def call(index):
        start.wait()
        outputs[index] = layer.predict(x)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for y in outputs:
        np.testing.assert_array_equal(y, outputs[0])
    np.testing.assert_array_equal(layer.predict(x), outputs[0])


@linux_only
@pytest.mark.skipif(
    os.environ.get("TCONV1D_STRATEGY") == "direct",
    reason="the direct loop nests take no workspace (and would take minutes over these 120 passes)",
)
def test_concurrent_calls_keep_at_most_the_cache_limit_and_give_it_back():
    # Eight threads call the passes at once (outputs allocated beforehand, so
    # that only tconv1d's own memory is measured, not the allocator's arenas
    # for NumPy's arrays); the workspace kept afterwards stays within the
    # cache limit and leaves the process when the limit is lowered.
    out = run_isolated(
        """
        import os, threading
        def rss():
            with open("/proc/self/statm") as handle:
                return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        rng = np.random.default_rng(0)
        x, w = rng.standard_normal((8, 256, 512)), rng.standard_normal((8, 128, 256))
        g = tconv1d.resolve_geometry(512, 8, 4, 0)
        want = tconv1d.transposed_conv1d(x, w, stride=4)
        outputs = [(np.ones_like(want), np.ones_like(x), np.ones_like(w)) for _ in range(8)]  # touched now
        core = tconv1d._core
        tconv1d.set_workspace_cache_limit(0)
        base = rss()
        tconv1d.set_workspace_cache_limit(64 << 20)
        def soak(y, dx, dw):
            for _ in range(5):
                core.forward(x[None], w, None, g, y[None])
                core.backward_data(want[None], w, g, dx[None])
                core.backward_weights(x[None], want[None], g, dw)
        threads = [threading.Thread(target=soak, args=o) for o in outputs]
        for t in threads: t.start()
        for t in threads: t.join()
        cached = tconv1d.workspace_cached_bytes()
        tconv1d.set_workspace_cache_limit(0)
        grown = (rss() - base) >> 20
        errors = sum(not np.array_equal(y, want) for y, _, _ in outputs)
        print(errors, cached <= (64 << 20), tconv1d.workspace_cached_bytes(), grown)
    """,
        timeout=300,
    )
    errors, within, left, grown_mib = out.split()
    assert (errors, within, left) == ("0", "True", "0"), out
    assert int(grown_mib) < 16, f"{grown_mib} MiB still resident after the cache was emptied"
