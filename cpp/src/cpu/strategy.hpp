// Internal: which strategy a pass runs. Each pass picks one from the shape
// alone (per batch item, batched across the batch, or the direct loop nest
// when the packed copies would exceed the workspace budget); the
// TCONV1D_STRATEGY environment variable forces one, so that the tests can run
// every strategy on every shape (cpu/strategy.cpp).
#pragma once

#include <cstdint>

namespace tconv1d::cpu {

enum class Strategy : std::uint8_t { automatic, per_item, batched, direct };

// TCONV1D_STRATEGY=per-item|batched|direct, read once; automatic when unset
// or empty. Throws std::invalid_argument for any other value. A forced
// strategy that does not fit the workspace budget (R8.3) gives way to the
// one that would run without it.
Strategy forced_strategy();

// The strategy a pass runs, given which of its packed strategies fit the
// workspace budget and which it prefers: the forced one where it fits, else
// the preferred one where it fits, else the other, else the direct loop nest.
inline Strategy choose_strategy(bool per_item_fits, bool batched_fits, bool batched_preferred) {
    const Strategy forced = forced_strategy();
    if (forced == Strategy::direct) return Strategy::direct;
    if (forced == Strategy::per_item && per_item_fits) return Strategy::per_item;
    if (forced == Strategy::batched && batched_fits) return Strategy::batched;
    if (batched_fits && (batched_preferred || !per_item_fits)) return Strategy::batched;
    return per_item_fits ? Strategy::per_item : Strategy::direct;
}

}  // namespace tconv1d::cpu
