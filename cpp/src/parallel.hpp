// Internal: the passes' parallel loops, on OpenMP's static schedule (each
// thread a contiguous run of iterations, as `omp parallel for
// schedule(static)`), or in order on the calling thread when one thread (or
// one iteration) is asked for. The latter skips the OpenMP runtime: libgomp
// ends even a team of one with a futex wake, a system call, 0.35 us a region
// on the 2-core VM of docs/performance.md, where a small forward ran 2-4
// regions in 3 us. Which thread runs an iteration never changes a result
// (every task writes its own outputs, summed in a fixed order).
#pragma once

#include <cstdint>

#include "threads.hpp"

namespace tconv1d::detail {

// body(i) for every i in [0, count), on up to `threads` threads.
template <class Body>
void parallel_for(int threads, std::int64_t count, Body&& body) {
    if (threads <= 1 || count <= 1) {
        const AloneRegion alone;
        for (std::int64_t i = 0; i < count; ++i) body(i);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t i = 0; i < count; ++i) body(i);
}

// body(i, j) for every pair of [0, outer) x [0, inner), i major (as
// `collapse(2)`: the pairs shared out as one run).
template <class Body>
void parallel_for_2d(int threads, std::int64_t outer, std::int64_t inner, Body&& body) {
    if (outer <= 0 || inner <= 0) return;
    parallel_for(threads, outer * inner, [&](std::int64_t t) { body(t / inner, t % inner); });
}

// Whether pred(i) holds for any i in [0, count); every i is evaluated (the
// predicates do work: a scan that also packs).
template <class Pred>
bool parallel_any(int threads, std::int64_t count, Pred&& pred) {
    unsigned any = 0;
    if (threads <= 1 || count <= 1) {
        const AloneRegion alone;
        for (std::int64_t i = 0; i < count; ++i) any |= pred(i) ? 1u : 0u;
        return any != 0;
    }
#pragma omp parallel for schedule(static) num_threads(threads) reduction(| : any)
    for (std::int64_t i = 0; i < count; ++i) any |= pred(i) ? 1u : 0u;
    return any != 0;
}

}  // namespace tconv1d::detail
