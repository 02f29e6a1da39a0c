// Helpers the C++ tests share: a contiguous (N, C, L) view of a buffer, and
// the relative error of a result against a long double oracle.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "tconv1d/view.hpp"

template <class T>
tconv1d::DataView<T> contiguous_view(T* data, std::int64_t N, std::int64_t C, std::int64_t L) {
    tconv1d::DataView<T> v;
    v.data = data;
    v.batch_outer = N;
    v.batch_outer_stride = C * L;
    v.channels = C;
    v.channel_stride = L;
    v.length = L;
    v.length_stride = 1;
    return v;
}

// ||got - want|| / ||want|| (1 when want is zero).
template <class T>
double rel_error(const std::vector<long double>& want, const std::vector<T>& got) {
    long double num = 0, den = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        const long double diff = want[i] - (long double)got[i];
        num += diff * diff;
        den += want[i] * want[i];
    }
    return double(std::sqrt(num / (den > 0 ? den : 1)));
}
