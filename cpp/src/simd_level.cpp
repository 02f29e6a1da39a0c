#include "simd_level.hpp"

#include "cpu/kernels.hpp"

namespace tconv1d::detail {

// The body the fast kernels dispatch to (see cpu/kernels.cpp).
const char* simd_level_name() { return cpu::isa_name(); }

}  // namespace tconv1d::detail
