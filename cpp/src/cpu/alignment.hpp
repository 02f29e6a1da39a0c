// Internal: where an input's rows lie against the vectors of a kernel body.
// Kernels that read rows in place load whole vectors from them; a vector
// that straddles two cache lines costs about two loads. NumPy places a large
// array 16 bytes past a line (its allocation's header), so half of the
// 32-byte loads from such an array straddle. The correlated rows
// (cpu/forward_rows.hpp) start their blocks where the address is a whole
// vector: each output's sum is computed whole by one block, so where the
// blocks start never changes the result. (The tap-wise strategy's blocks
// add into shared outputs in block order, so moving them would make the
// result depend on the address; its in-place reads stay where they are.)
#pragma once

#include <cstdint>

#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

// Elements from the last whole vector (of `lanes` elements) to the start of
// every row of x, where all rows share it (their strides whole vectors); -1
// where they do not.
template <class T>
std::int64_t row_vector_offset(const DataView<const T>& x, std::int64_t lanes) {
    const auto address = reinterpret_cast<std::uintptr_t>(x.data);
    const bool shared = x.channel_stride % lanes == 0 && x.batch_outer_stride % lanes == 0 &&
                        x.batch_inner_stride % lanes == 0 && address % sizeof(T) == 0;
    return shared ? std::int64_t(address / sizeof(T) % std::uintptr_t(lanes)) : -1;
}

}  // namespace tconv1d::cpu
