// Internal: the estimated cycles the passes weigh their strategies by
// (cpu/strategy.hpp). Rough on purpose: a strategy is chosen from the shape
// alone, so the estimate needs to rank strategies, not to predict times.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"

namespace tconv1d::cpu {

// What a packed strategy pays whatever the shape (its parallel regions and
// workspace), and the direct loop nest's cycles per product (in double;
// forward's in four partial sums, backward-data's along the weights' rows,
// backward-weights' walking dy with the stride): for tiny calls whose every
// weight is used once or twice, packing the weights costs more than using
// them where they lie.
constexpr double kPackedSetupCycles = 5e3;
constexpr double kDirectForwardCycles = 1.5, kDirectBackwardDataCycles = 1.5,
                 kDirectBackwardWeightsCycles = 10.0;
// The direct forward's charge per output (its tap range, the bias, the
// store: 40-50 cycles an output measured where each takes one product, one
// input channel with F = S, on a Zen 3 core). Charged by products alone,
// float64 layers of one input channel with F = S (such as (4, 1, 16, 4, 4,
// 1024, 0)) went to the loop nest and ran 5-9 times as long as per item.
// Half the measured cost ranks those apart and leaves the tiniest calls (a
// few hundred outputs, where the packed strategies' setup dominates) on it.
constexpr double kDirectForwardOutputCycles = 20.0;

// Packing a weight into panels or tap-wise rows: a transposed copy in
// registers and the Inf/NaN scan (measured 0.46 ns per float32, 0.87 ns per
// float64 element; one cycle each ranks the strategies best, see forward.cpp).
constexpr double kPackWeightCycles = 1.0;

// A chained panel call (the forward's weights read in place: a call per tap,
// the tile read back each time) costs this much more than going on inside
// one call over the packed taps (measured 80 to 170 cycles per call, one
// input channel to 32).
constexpr double kChainCallCycles = 120.0;

// A copy call (a row of a packed input) costs at least this, whatever the
// row's length: its dispatch and the partial lines at both ends.
constexpr double kCopyCallCycles = 20.0;

// The L2 a core is taken to have for cache blocking: 1-2 MB per core on the
// machines measured, so the lesser.
constexpr std::int64_t kL2Bytes = std::int64_t(1) << 20;

// Addresses this many bytes apart fall in the same set of L1 (64 sets of
// 64-byte lines on the machines measured): rows a multiple of it apart
// evict one another sooner than the cache's size suggests.
constexpr std::int64_t kSetPeriodBytes = 4096;

// kL2Bytes as elements of T.
template <class T>
constexpr std::int64_t l2_elements() {
    return kL2Bytes / std::int64_t(sizeof(T));
}

// Weights larger than this are taken to live beyond L2: a strategy that
// reads them once per column block reads them from memory each time.
constexpr double kBeyondL2Bytes = double(kL2Bytes);

// An output and input larger than this together are taken to leave the
// caches between two passes over the output (the tap-wise strategy's bias
// pass and its adds, cpu/forward.cpp). Float32 filter_shorter draws, one
// thread, the choices that changed, timed against the estimate without the
// charge: at 4 MB (half the L3 one core keeps on the machines measured)
// five went per item, each in 0.70-0.95 of the time with 64 MB of caches
// dirtied between calls; at 2 MB five more, faster dirtied but up to 1.12
// times as slow in cache; at 1 MB (L2) 15 more, 1.07 times as slow
// (geometric mean, dirtied).
constexpr double kTapOutputBytes = 4 << 20;

// The products of a pass: B*L*F*K*C (every one a real product in forward).
inline double products(std::int64_t B, std::int64_t L, std::int64_t F, std::int64_t K, std::int64_t C) {
    return double(B) * double(L) * double(F) * double(K) * double(C);
}

// A panel call of `depth` steps over `cols` columns (zero columns cost
// nothing): rows x vectors FMAs per step at two per cycle, a charge per call,
// and `store` cycles per element of the tile written back. `rows`: the
// tile's (mr, or mr/2 for the wide tile). The backward passes' estimates.
template <class T>
double panel_cycles(const MicroKernels<T>& mk, double depth, std::int64_t cols, double store,
                    std::int64_t rows = 0) {
    if (cols <= 0) return 0.0;
    const std::int64_t r = rows > 0 ? rows : std::int64_t(mk.mr);
    return depth * double(r * ceil_div(cols, std::int64_t(mk.lanes))) * 0.5 + 30.0 + double(r * cols) * store;
}

// Each step's FMA adds to the sum the step before left in the same
// accumulator, so a step takes at least an FMA's latency, however few
// accumulators the tile has (rows x vectors under latency x 2 FMA units):
// 4 cycles on the cores measured. Counted as its FMAs alone, a tile of one
// vector per row (inputs of 1 to 8 float32 columns: one item of a latent
// vector) was estimated at 2.5 cycles a step and ran at 4 or more, and the
// tap-wise strategy was taken where the dot products ran twice as fast
// ((1, 512, 256, 32, 8, 4, 0) float32 0.41 of the time). With the latency,
// of 2000 sweep draws (seeds 1471-1600) 26 float32 and 56 float64 changed
// strategy; timed old against new (Zen 3, one thread, alternated in one
// process) they took 0.89 and 0.85 of the time (geometric means), the
// worst 1.37 times ((1, 32, 32, 8, 8, 4, 0) float32, 10 us) and 1.71
// ((8, 32, 256, 32, 8, 2, same) float64, estimates within 5%).
constexpr double kFmaLatencyCycles = 4.0;

// The steps of a panel call (its FMAs, or its loads where they take longer),
// without the call's charge and stores: panel_cycles_loads' first term.
template <class T>
double panel_steps_cycles(const MicroKernels<T>& mk, double depth, std::int64_t cols, std::int64_t rows,
                          double split = 0.0) {
    if (cols <= 0) return 0.0;
    const std::int64_t v = ceil_div(cols, std::int64_t(mk.lanes));
    const double loads = double(rows) + double(v) * (1.0 + split);
    return depth * std::max(std::max(double(rows * v), loads) * 0.5, kFmaLatencyCycles);
}

// panel_cycles, each step's FMAs or, where they take less, its loads (a
// broadcast per row and each vector) at two per cycle: the forward's
// estimates. A block of one vector per row is bound by its loads: charged as
// FMAs alone, the per-item forward of (16, 128, 256, 9, 10, 16, 0) float32
// (a 16-column block per phase and item) was estimated level with the
// tap-wise one and ran 2.0 ms against 1.4; with the loads, summed
// log(chosen / fastest) over seeds 131-133 of the sweep (120 float32 draws,
// one thread) 1.9 -> 1.2, that one choice changed; of the float64 draws,
// none changed. (The backward passes' fits were made without the loads and
// are left as they are.)
// `split`: the share of the vector loads that straddle two cache lines,
// each then counted twice (a tap past a phase's first reads the per-item
// slab m elements on: the loads of all but one of M taps straddle). One
// output channel (rows of one, bound by their loads), stride 1, float32,
// one thread, per-item forced: (4, 64, 1, F, 1, 4096, 0) took 3.5 cycles
// per step for each tap past the first (F = 1 to 16), against the 2 of an
// aligned step (its loads; kFmaLatencyCycles bounds a step below); counted
// so, (4, 32, 1, 16, 1, 1024, same) is estimated above the tap-wise
// strategy, which runs it in 0.063 ms against 0.079-0.085.
template <class T>
double panel_cycles_loads(const MicroKernels<T>& mk, double depth, std::int64_t cols, double store,
                          std::int64_t rows = 0, double split = 0.0) {
    if (cols <= 0) return 0.0;
    const std::int64_t r = rows > 0 ? rows : std::int64_t(mk.mr);
    return panel_steps_cycles(mk, depth, cols, r, split) + 30.0 + double(r * cols) * store;
}

// `count` columns cut into blocks of nr: cost_of(cols) for the full blocks
// and the rest.
template <class Fn>
double over_blocks(std::int64_t count, std::int64_t nr, Fn&& cost_of) {
    const std::int64_t full = count / nr, rest = count % nr;
    return double(full) * cost_of(nr) + (rest > 0 ? cost_of(rest) : 0.0);
}

// The busiest thread's load and the total of work(task) over `tasks` tasks
// as a parallel loop of `threads` hands them out under libgomp's static
// schedule: contiguous runs, the first tasks % threads threads taking one
// task more. For the plans that balance few tasks by their sizes.
template <class Work>
std::pair<double, double> static_loads(std::int64_t tasks, std::int64_t threads, Work&& work) {
    double busiest = 0, total = 0;
    for (std::int64_t t = 0, first = 0; t < threads; ++t) {
        const std::int64_t count = tasks / threads + (t < tasks % threads ? 1 : 0);
        double load = 0;
        for (std::int64_t task = first; task < first + count; ++task) load += work(task);
        busiest = std::max(busiest, load);
        total += load;
        first += count;
    }
    return {busiest, total};
}

}  // namespace tconv1d::cpu
