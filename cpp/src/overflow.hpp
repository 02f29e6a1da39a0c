// 64-bit multiply and add that report overflow instead of wrapping: the
// compiler's checked builtins where it has them (GCC, Clang), a portable test
// elsewhere (MSVC). The primitive under checked.hpp and the kernels' saturating
// index arithmetic.
#pragma once

#include <cstdint>
#include <limits>

namespace tconv1d {

// Sets *result = a * b and returns false, or returns true when a * b does not
// fit in 64 bits (*result is then unspecified).
inline bool mul_overflows(std::int64_t a, std::int64_t b, std::int64_t* result) {
#if defined(__GNUC__)
    return __builtin_mul_overflow(a, b, result);
#else
    constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    if (a == 0 || b == 0) {
        *result = 0;
        return false;
    }
    const bool overflow = a > 0 ? (b > 0 ? a > hi / b : b < lo / a) : (b > 0 ? a < lo / b : a < hi / b);
    if (!overflow) *result = a * b;
    return overflow;
#endif
}

// Sets *result = a + b and returns false, or returns true on overflow.
inline bool add_overflows(std::int64_t a, std::int64_t b, std::int64_t* result) {
#if defined(__GNUC__)
    return __builtin_add_overflow(a, b, result);
#else
    constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    const bool overflow = b > 0 ? a > hi - b : a < lo - b;
    if (!overflow) *result = a + b;
    return overflow;
#endif
}

}  // namespace tconv1d
