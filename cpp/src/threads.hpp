// Internal: the thread count every parallel region uses.
#pragma once

namespace tconv1d::detail {

// The number of threads set by set_num_threads, or OpenMP's default when unset.
int effective_threads();

}  // namespace tconv1d::detail
