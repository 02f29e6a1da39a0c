#include "tconv1d/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "simd_level.hpp"
#include "threads.hpp"

#ifndef TCONV1D_VERSION
#define TCONV1D_VERSION "0.0.0"
#endif

namespace tconv1d {

namespace {
std::atomic<int> requested_threads{0};
}

int max_num_threads() {
    // Far more threads than cores only costs, and an absurd count makes the
    // OpenMP runtime abort when it cannot create them: refuse it up front.
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1024, 8 * cores);
}

void set_num_threads(int num_threads) {
    if (num_threads < 0 || num_threads > max_num_threads())
        throw std::invalid_argument("num_threads must be between 0 (the default) and " +
                                    std::to_string(max_num_threads()) + ", got " +
                                    std::to_string(num_threads));
    requested_threads.store(num_threads);
}

int get_num_threads() { return detail::effective_threads(); }

int detail::effective_threads() {
    const int requested = requested_threads.load();
    if (requested > 0) return requested;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

std::string version() { return TCONV1D_VERSION; }

std::string compiler() {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
    return "msvc " + std::to_string(_MSC_VER);
#else
    return "unknown";
#endif
}

bool has_openmp() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

std::string simd_level() { return detail::simd_level_name(); }

}  // namespace tconv1d
