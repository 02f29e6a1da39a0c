// Overflow-checked 64-bit size arithmetic (SPEC R2.5): sizes never wrap.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "overflow.hpp"

namespace tconv1d {

inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t result;
    if (mul_overflows(a, b, &result))
        throw std::overflow_error(std::string(what) + " does not fit in 64 bits (" + std::to_string(a) +
                                  " * " + std::to_string(b) + ")");
    return result;
}

inline std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t result;
    if (add_overflows(a, b, &result))
        throw std::overflow_error(std::string(what) + " does not fit in 64 bits (" + std::to_string(a) +
                                  " + " + std::to_string(b) + ")");
    return result;
}

}  // namespace tconv1d
