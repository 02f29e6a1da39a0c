// Internal: how much of the machine a pass takes: its threads (none spare for
// tiny calls) and its batch slices (so that its workspace stays within the
// elements of the call's own inputs and outputs, plus a fixed allowance).
#pragma once

#include <algorithm>
#include <cstdint>

#include "cpu/index.hpp"
#include "tconv1d/view.hpp"
#include "threads.hpp"

namespace tconv1d::cpu {

// A pass's workspace budget in elements of T (SPEC R8.3): the elements of the
// call's own inputs and outputs, plus 64 KiB so that a call whose arrays are
// tiny next to its weights (one short item) still packs its operands. The
// same for any thread count: whether a strategy fits never depends on it.
constexpr std::int64_t kWorkspaceAllowanceBytes = 64 << 10;

template <class T>
std::int64_t workspace_budget(std::int64_t own_elements) {
    return saturating_add(own_elements, kWorkspaceAllowanceBytes / std::int64_t(sizeof(T)));
}

// Threads for a parallel region of light work (a copy, a sum or a fill,
// under a nanosecond an element) over `elements` elements: `nt` from
// kRegionElements on, else 1. A region costs about 0.7 us where the team's
// threads still spin from the last one, 4 us after 3 ms idle, and 26-43 us
// where they wait passively (OMP_WAIT_POLICY=passive), on the 2-core VM of
// docs/performance.md. The forward split in three (cpu/forward_split.hpp)
// ran 13 regions a call, a few of them over a few hundred elements:
// (1, 128, 128, 9, 1, 128, 0) float32 at two threads took 0.25 ms with
// spinning threads and 0.83-1.27 ms with passive ones (0.36 and 0.39 at
// one thread). Its light regions under 8192 elements on one thread: with
// spinning threads four one-item stride-1 layers ran level (0.99-1.00 of
// the time), with passive ones 0.72-1.00; under 65536, they ran 3.5-4%
// slower with spinning threads. Which thread does the work never changes a
// result.
constexpr std::int64_t kRegionElements = std::int64_t(1) << 13;

inline int threads_for_elements(std::int64_t elements, int nt) {
    return elements >= kRegionElements ? nt : 1;
}

// Threads for a call of `flops` floating-point operations: tiny calls are not
// worth waking a team for (the result does not depend on this).
inline int threads_for(double flops) {
    const int most = detail::effective_threads();
    const double per_thread = 4e5;
    const int useful = int(std::min<double>(most, std::max(1.0, flops / per_thread)));
    return std::max(1, useful);
}

// The most bytes a batch slice's packed operands take, unless one batch
// item's take more (SPEC R8.3): a quarter of the workspace cache's least
// default limit (workspace.cpp), so that a recurring call's workspace
// stays cached. A pass packs a slice up front and then reads it back;
// beyond the caches that is a trip to memory whatever the slice's size, so
// a larger slice saves only a parallel region, while a workspace over the
// cache's limit comes as fresh pages every call. A float64
// backward-weights of 16 items (335 MB of dy) packed all of them, a 310 MB
// workspace: 90-98 ms a call at one thread, against 76 in slices of three
// items. At 16 MiB, slices of fewer items took some backward-weights to
// their whole-slice order (backward_weights.cpp), up to 1.2 times slower.
constexpr std::int64_t kSliceBytes = std::int64_t(64) << 20;

// Batches per slice so that fixed + slice * per_batch <= budget, and the
// slice's per_batch elements of T within kSliceBytes (at least one item's);
// 0 = none fits.
template <class T>
std::int64_t batches_per_slice(std::int64_t batch, std::int64_t budget, std::int64_t fixed,
                               std::int64_t per_batch) {
    if (budget - fixed < per_batch) return 0;
    const std::int64_t cap = std::max<std::int64_t>(
        1, kSliceBytes / std::max<std::int64_t>(1, saturating_mul(per_batch, std::int64_t(sizeof(T)))));
    return std::min({batch, (budget - fixed) / per_batch, cap});
}

// A strategy's share of a pass's workspace: its threads (0 when it does not
// fit the budget even on one), its grouping (of column blocks, and of tile
// rows where the columns alone are too few for the threads), its columns per
// block where it chooses them, and its elements per thread. None changes a
// result.
struct StrategyPlan {
    int threads = 0;
    std::int64_t group = 1, width = 0, per_thread = 0;
    std::int64_t row_groups = 1;  // tasks per group of columns, over the tile rows
};

// Threads for a strategy whose workspace is shared + threads x per_thread
// elements within the budget, at most `most` and `tasks`; 0 when not even
// one thread's fits. Capping the threads never changes a result.
inline int threads_within(std::int64_t budget, std::int64_t shared, std::int64_t per_thread, int most,
                          std::int64_t tasks) {
    if (shared > budget) return 0;
    const std::int64_t room = per_thread > 0 ? (budget - shared) / per_thread : tasks;
    return int(std::max<std::int64_t>(0, std::min<std::int64_t>({std::int64_t(most), tasks, room})));
}

// Elements of a view; the sum of several saturates (views that broadcast an
// axis with stride 0 can claim more elements than memory holds).
template <class T>
std::int64_t elements(const DataView<T>& v) {
    return saturating_mul(saturating_mul(v.batch(), v.channels), v.length);
}

}  // namespace tconv1d::cpu
