// TCONV1D_STRATEGY: a testing aid that forces the passes' strategy (see
// cpu/strategy.hpp). An unknown value is an error, never a silent default.
#include "cpu/strategy.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace tconv1d::cpu {

namespace {

struct Forced {
    Strategy strategy = Strategy::automatic;
    std::string error;
};

Forced read_forced() {
    Forced f;
    const char* env = std::getenv("TCONV1D_STRATEGY");
    if (env == nullptr || *env == '\0') return f;
    const std::string want(env);
    if (want == "per-item")
        f.strategy = Strategy::per_item;
    else if (want == "batched")
        f.strategy = Strategy::batched;
    else if (want == "taps")
        f.strategy = Strategy::taps;
    else if (want == "dots")
        f.strategy = Strategy::dots;
    else if (want == "rows")
        f.strategy = Strategy::rows;
    else if (want == "split")
        f.strategy = Strategy::split;
    else if (want == "direct")
        f.strategy = Strategy::direct;
    else
        f.error = "TCONV1D_STRATEGY='" + want +
                  "' is not one of per-item, batched, taps, dots, rows, split, direct";
    return f;
}

}  // namespace

Strategy forced_strategy() {
    static const Forced forced = read_forced();
    if (!forced.error.empty()) throw std::invalid_argument(forced.error);
    return forced.strategy;
}

}  // namespace tconv1d::cpu
