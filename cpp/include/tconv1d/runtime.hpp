// Process-wide settings and build facts: thread count and what was compiled in.
#pragma once

#include <string>

namespace tconv1d {

// Threads used by the passes. 0 (the default) means OpenMP's own default.
// Results do not depend on this number: every output element is reduced by
// one thread in a fixed order. Throws std::invalid_argument outside
// [0, max_num_threads()].
void set_num_threads(int num_threads);
int max_num_threads();
int get_num_threads();

std::string version();
std::string compiler();
bool has_openmp();
// The instruction-set level of the kernels chosen for this CPU (e.g. "avx512").
std::string simd_level();

}  // namespace tconv1d
