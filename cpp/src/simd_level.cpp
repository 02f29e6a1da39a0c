#include "simd_level.hpp"

namespace tconv1d::detail {

// Until per-ISA kernel bodies exist, everything runs the baseline build.
const char* simd_level_name() { return "baseline"; }

}  // namespace tconv1d::detail
