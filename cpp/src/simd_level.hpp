// Internal: the instruction-set level the CPU kernels run with.
#pragma once

namespace tconv1d::detail {

// A short name ("portable", "baseline", "avx2", "avx512") of the kernel body in use.
const char* simd_level_name();

}  // namespace tconv1d::detail
