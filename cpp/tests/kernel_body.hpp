// The micro-kernel body a test runs on. ctest runs the kernel tests once per
// body with TCONV1D_ISA set; a body this CPU or build cannot run is a skip
// (exit code 77, ctest's SKIP_RETURN_CODE), not a failure.
#pragma once

#include <cstdio>
#include <stdexcept>

#include "tconv1d/runtime.hpp"

// Prints the body in use and returns 0, or prints why it is unusable and returns 77.
inline int announce_kernel_body() {
    try {
        std::printf("kernel body: %s\n", tconv1d::simd_level().c_str());
        return 0;
    } catch (const std::runtime_error& e) {
        std::printf("skipped: %s\n", e.what());
        return 77;
    }
}
