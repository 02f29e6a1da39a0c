// Process-wide settings and build facts: threads, workspace and result memory,
// and what was compiled in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tconv1d/export.h"

namespace tconv1d {

// ---------------------------------------------------------------- threads
//
// Results do not depend on the thread count: every output element is reduced
// by one thread in a fixed order.

// Threads used by the passes. 0 (the default) means OpenMP's own default
// (OMP_NUM_THREADS, else the CPUs this process may run on), capped at
// max_num_threads(). Throws std::invalid_argument outside [0, max_num_threads()].
TCONV1D_API void set_num_threads(int num_threads);
// The cap: 4 x the CPUs this process may run on (its affinity mask), at least 4.
// More threads than CPUs only add switching; far more only exhaust the process.
TCONV1D_API int max_num_threads();
// The threads the next pass will use (1 in a fork child, see below).
TCONV1D_API int get_num_threads();

// Before a calling thread first runs a pass on N threads, the library checks
// that N - 1 threads (with OMP_STACKSIZE stacks, where set) can be started; if
// they cannot, the pass throws std::runtime_error instead of letting the OpenMP
// runtime end the process. set_num_threads(1) always works.
//
// Fork: the OpenMP runtime's thread pool does not survive fork(). In a child
// forked after this process ran a pass on more than one thread, the passes run
// on one thread (correct results, no hang); get_num_threads() says 1 there.
// Children started by spawn or forkserver, or forked before any multi-threaded
// pass, use threads as usual.

// ---------------------------------------------------------------- workspace
//
// A pass takes its scratch memory in one block, at most the bytes of its own
// inputs and outputs plus 3 KiB per thread and 4.5 KiB (nothing for the direct
// loop nests), before any parallel region (failure: a std::bad_alloc whose
// what() names the pass and the size), and returns it
// to a process-wide cache when it ends. The cache keeps freed blocks for the
// next calls while their total is within a limit (by default a sixteenth of
// the machine's memory, or of the process's control-group memory limit where
// that is lower, within 256 MiB and 1 GiB) and
// returns the rest to the operating system.
TCONV1D_API std::int64_t workspace_cached_bytes();
TCONV1D_API std::int64_t workspace_cache_limit();
// Sets the limit (0: keep nothing between calls) and frees what exceeds it at
// once. Throws std::invalid_argument for a negative limit.
TCONV1D_API void set_workspace_cache_limit(std::int64_t bytes);

// ---------------------------------------------------------------- result memory
//
// Memory for an array that holds a pass's result and outlives the call (the
// Python module's result arrays of 1 MiB and more live in it). It comes from
// the same cache as the workspace and goes back to it when released: a
// recurring result shape then reuses pages already faulted in, where a fresh
// allocation has the operating system zero every page on first touch (for
// results of tens of MiB that costs more than the pass). A cached block is
// reused only when it is at most an eighth larger than asked. Throws a
// std::bad_alloc naming the size when the memory cannot be had; zero bytes
// give {nullptr, 0}. Release each block once, with the values acquired.
struct TCONV1D_TYPE ResultMemory {
    void* data;
    std::size_t bytes;
};
TCONV1D_API ResultMemory acquire_result_memory(std::size_t bytes);
TCONV1D_API void release_result_memory(ResultMemory memory);

// ---------------------------------------------------------------- build facts

TCONV1D_API std::string version();
TCONV1D_API std::string compiler();
TCONV1D_API bool has_openmp();
// The instruction-set level of the kernels chosen for this CPU (e.g. "avx512").
TCONV1D_API std::string simd_level();

}  // namespace tconv1d
