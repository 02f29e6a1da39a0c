#include "tconv1d/runtime.hpp"

#include <string>

#include "simd_level.hpp"

#ifndef TCONV1D_VERSION
#define TCONV1D_VERSION "0.0.0"
#endif

namespace tconv1d {

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
