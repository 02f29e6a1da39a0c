// Strided views: how the passes see caller-owned memory without copying it.
//
// A data tensor is seen as (batch, channel, position). The batch may be made
// of two array axes (the "SCBT" format has both B and T acting as batch), so a
// view keeps two batch extents with their own strides; every other format
// sets batch_inner = 1. Strides are in elements and may be negative: that is
// how reversed and permuted arrays reach the kernels without a copy.
#pragma once

#include <cstdint>

#include "tconv1d/export.h"

namespace tconv1d {

template <class T>
struct TCONV1D_TYPE DataView {
    T* data = nullptr;
    std::int64_t batch_outer = 1, batch_inner = 1;
    std::int64_t batch_outer_stride = 0, batch_inner_stride = 0;
    std::int64_t channels = 0, channel_stride = 0;
    std::int64_t length = 0, length_stride = 0;

    std::int64_t batch() const { return batch_outer * batch_inner; }
    // Offset of flattened batch index n (row-major over outer, inner).
    std::int64_t batch_offset(std::int64_t n) const {
        return (n / batch_inner) * batch_outer_stride + (n % batch_inner) * batch_inner_stride;
    }
    T& at(std::int64_t n, std::int64_t c, std::int64_t i) const {
        return data[batch_offset(n) + c * channel_stride + i * length_stride];
    }
};

// Weights W[f, k, c] in the layer's layout (FilterSize x NumFilters x
// NumChannels), with arbitrary strides.
template <class T>
struct TCONV1D_TYPE WeightsView {
    T* data = nullptr;
    std::int64_t filter_size = 0, num_filters = 0, channels = 0;
    std::int64_t filter_stride = 0, filter_index_stride = 0, channel_stride = 0;

    T& at(std::int64_t f, std::int64_t k, std::int64_t c) const {
        return data[f * filter_stride + k * filter_index_stride + c * channel_stride];
    }
};

// Bias b[k] (or its gradient); data == nullptr means "no bias".
template <class T>
struct TCONV1D_TYPE BiasView {
    T* data = nullptr;
    std::int64_t num_filters = 0, stride = 1;

    T& at(std::int64_t k) const { return data[k * stride]; }
};

}  // namespace tconv1d
