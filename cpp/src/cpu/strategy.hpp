// Internal: which strategy a pass runs. Each pass weighs its strategies (per
// batch item, batched across the batch, tap-wise, dot products with the
// weights in place, correlated rows and, for filters longer than the stride,
// split in three (cpu/forward_split.hpp) for the forward pass, the weights streamed in place for
// backward-data and dot products along the positions for backward-weights
// ("dots" both), and the direct loop nest, which needs no workspace) by an
// estimated cost from the shape alone, among those whose workspace fits the
// budget (R8.3); so the result never depends on the thread count. The TCONV1D_STRATEGY environment
// variable forces one, so that the tests run every strategy on every shape
// (cpu/strategy.cpp).
#pragma once

#include <cstdint>
#include <initializer_list>

namespace tconv1d::cpu {

enum class Strategy : std::uint8_t { automatic, per_item, batched, taps, dots, rows, split, direct };

// TCONV1D_STRATEGY=per-item|batched|taps|dots|rows|split|direct, read once; automatic when
// unset or empty. Throws std::invalid_argument for any other value.
Strategy forced_strategy();

// A pass's strategy: whether its workspace fits the budget, and its cost.
struct Candidate {
    Strategy strategy;
    bool fits;
    double cost;
};

// The forced strategy where the pass has it and it fits; else the cheapest
// that fits (the first of equals); else the direct loop nest.
inline Strategy choose_strategy(std::initializer_list<Candidate> candidates) {
    const Strategy forced = forced_strategy();
    if (forced == Strategy::direct) return Strategy::direct;
    for (const Candidate& c : candidates)
        if (c.strategy == forced && c.fits) return forced;
    const Candidate* best = nullptr;
    for (const Candidate& c : candidates)
        if (c.fits && (best == nullptr || c.cost < best->cost)) best = &c;
    return best == nullptr ? Strategy::direct : best->strategy;
}

// The cost of the cheapest candidate that fits (0 where none does; the
// passes always list the direct loop nest, which does): the estimate of
// what the unforced choice runs.
inline double cheapest_cost(std::initializer_list<Candidate> candidates) {
    const Candidate* best = nullptr;
    for (const Candidate& c : candidates)
        if (c.fits && (best == nullptr || c.cost < best->cost)) best = &c;
    return best == nullptr ? 0.0 : best->cost;
}

}  // namespace tconv1d::cpu
