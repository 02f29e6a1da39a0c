#include "validate.hpp"

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "overflow.hpp"

namespace tconv1d::detail {

namespace {

[[noreturn]] void mismatch(const char* name, const char* what, std::int64_t have, std::int64_t want) {
    throw std::invalid_argument(std::string(name) + ": " + what + " is " + std::to_string(have) +
                                ", expected " + std::to_string(want));
}

// Data must exist and be aligned for its type: the kernels load elements as
// T (and strides are whole elements, so the base's alignment is every one's).
template <class View>
void require_data(const View& v, const char* name) {
    if (v.data == nullptr) throw std::invalid_argument(std::string(name) + ": no data");
    using T = std::remove_const_t<std::remove_pointer_t<decltype(v.data)>>;
    if (reinterpret_cast<std::uintptr_t>(v.data) % alignof(T) != 0)
        throw std::invalid_argument(std::string(name) + ": data is not aligned to " +
                                    std::to_string(alignof(T)) + " bytes (copy it to aligned memory)");
}

// The kernels form element offsets as sums of index * stride over the axes:
// the largest such sum must fit in 64 bits (a view can claim any extents and
// strides; an array in memory always passes).
void require_addressable(const char* name,
                         std::initializer_list<std::pair<std::int64_t, std::int64_t>> axes) {
    std::int64_t span = 0;
    for (const auto& [extent, stride] : axes) {
        std::int64_t reach;
        if (extent < 1 || stride == INT64_MIN ||
            mul_overflows(extent - 1, stride < 0 ? -stride : stride, &reach) ||
            add_overflows(span, reach, &span))
            throw std::overflow_error(std::string(name) +
                                      ": its extents and strides reach beyond 64-bit offsets");
    }
}

}  // namespace

template <class T>
void validate_input(const DataView<T>& x, const char* name, const Geometry& g) {
    require_data(x, name);
    if (x.length != g.length) mismatch(name, "length", x.length, g.length);
    if (x.batch_outer < 1 || x.batch_inner < 1 || x.channels < 1)
        throw std::invalid_argument(std::string(name) + ": batch and channel sizes must be >= 1");
    require_addressable(name, {{x.batch_outer, x.batch_outer_stride},
                               {x.batch_inner, x.batch_inner_stride},
                               {x.channels, x.channel_stride},
                               {x.length, x.length_stride}});
}

template <class T>
void validate_output(const DataView<T>& y, const char* name, const Geometry& g) {
    require_data(y, name);
    if (y.length != g.out_length) mismatch(name, "length", y.length, g.out_length);
    if (y.batch_outer < 1 || y.batch_inner < 1 || y.channels < 1)
        throw std::invalid_argument(std::string(name) + ": batch and channel sizes must be >= 1");
    require_addressable(name, {{y.batch_outer, y.batch_outer_stride},
                               {y.batch_inner, y.batch_inner_stride},
                               {y.channels, y.channel_stride},
                               {y.length, y.length_stride}});
}

template <class T>
void validate_weights(const WeightsView<T>& w, const char* name, const Geometry& g) {
    require_data(w, name);
    if (w.filter_size != g.filter_size) mismatch(name, "FilterSize", w.filter_size, g.filter_size);
    if (w.num_filters < 1 || w.channels < 1)
        throw std::invalid_argument(std::string(name) + ": NumFilters and NumChannels must be >= 1");
    require_addressable(name, {{w.filter_size, w.filter_stride},
                               {w.num_filters, w.filter_index_stride},
                               {w.channels, w.channel_stride}});
}

template <class T>
void validate_bias(const BiasView<T>& b, const char* name, std::int64_t num_filters) {
    if (b.data == nullptr) return;  // no bias
    require_data(b, name);
    if (b.num_filters != num_filters) mismatch(name, "size", b.num_filters, num_filters);
    require_addressable(name, {{b.num_filters, b.stride}});
}

template <class T>
void validate_data(const DataView<T>& v, const char* name) {
    require_data(v, name);
    if (v.batch_outer < 1 || v.batch_inner < 1 || v.channels < 1 || v.length < 1)
        throw std::invalid_argument(std::string(name) + ": sizes must be >= 1");
    require_addressable(name, {{v.batch_outer, v.batch_outer_stride},
                               {v.batch_inner, v.batch_inner_stride},
                               {v.channels, v.channel_stride},
                               {v.length, v.length_stride}});
}

void validate_same_batch(std::int64_t a, const char* name_a, std::int64_t b, const char* name_b) {
    if (a != b)
        throw std::invalid_argument(std::string(name_a) + " and " + name_b + " have different batch sizes (" +
                                    std::to_string(a) + " vs " + std::to_string(b) + ")");
}

void validate_channels(std::int64_t have, const char* name, std::int64_t want, const char* what) {
    if (have != want) mismatch(name, what, have, want);
}

#define TCONV1D_INSTANTIATE(T)                                                              \
    template void validate_input<T>(const DataView<T>&, const char*, const Geometry&);      \
    template void validate_output<T>(const DataView<T>&, const char*, const Geometry&);     \
    template void validate_weights<T>(const WeightsView<T>&, const char*, const Geometry&); \
    template void validate_bias<T>(const BiasView<T>&, const char*, std::int64_t);          \
    template void validate_data<T>(const DataView<T>&, const char*);
TCONV1D_INSTANTIATE(const float)
TCONV1D_INSTANTIATE(float)
TCONV1D_INSTANTIATE(const double)
TCONV1D_INSTANTIATE(double)
#undef TCONV1D_INSTANTIATE

}  // namespace tconv1d::detail
