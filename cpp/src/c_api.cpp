// The C API (tconv1d/tconv1d.h) over the C++ API: each call converts its
// arguments to views, runs the C++ entry point inside one try block, and turns
// the exception it may throw into a status and this thread's message. The
// checks are the C++ API's own; only the null layout pointers are new here.
#include "tconv1d/tconv1d.h"

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "checked.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/passes.hpp"
#include "tconv1d/runtime.hpp"
#include "tconv1d/view.hpp"

namespace {

thread_local std::string last_error_message;

// Runs body(); a thrown exception becomes a status and this thread's message.
template <class Body>
tconv1d_status guarded(Body&& body) noexcept {
    try {
        body();
        last_error_message.clear();
        return TCONV1D_OK;
    } catch (const std::invalid_argument& e) {
        last_error_message = e.what();
        return TCONV1D_INVALID_ARGUMENT;
    } catch (const std::overflow_error& e) {
        last_error_message = e.what();
        return TCONV1D_OVERFLOW;
    } catch (const std::bad_alloc& e) {
        // The library's own bad_alloc names the pass and the size; the
        // message may still fail to copy when memory is this short.
        try {
            last_error_message = e.what();
        } catch (...) {
            last_error_message.clear();
        }
        return TCONV1D_OUT_OF_MEMORY;
    } catch (const std::runtime_error& e) {
        last_error_message = e.what();
        return TCONV1D_RUNTIME_ERROR;
    } catch (const std::exception& e) {
        last_error_message = e.what();
        return TCONV1D_INTERNAL_ERROR;
    } catch (...) {
        last_error_message = "unknown error";
        return TCONV1D_INTERNAL_ERROR;
    }
}

template <class P>
P& required(P* pointer, const char* name) {
    if (pointer == nullptr) throw std::invalid_argument(std::string(name) + ": null pointer");
    return *pointer;
}

tconv1d::CroppingSpec cropping_spec(const tconv1d_cropping& c) {
    return c.same != 0 ? tconv1d::CroppingSpec::make_same() : tconv1d::CroppingSpec::manual(c.left, c.right);
}

template <class T>
tconv1d::DataView<T> data_view(T* data, const tconv1d_data_layout* layout, const char* layout_name) {
    const tconv1d_data_layout& l = required(layout, layout_name);
    tconv1d::DataView<T> v;
    v.data = data;
    v.batch_outer = l.batch_outer;
    v.batch_inner = l.batch_inner;
    v.batch_outer_stride = l.batch_outer_stride;
    v.batch_inner_stride = l.batch_inner_stride;
    v.channels = l.channels;
    v.channel_stride = l.channel_stride;
    v.length = l.length;
    v.length_stride = l.length_stride;
    return v;
}

template <class T>
tconv1d::WeightsView<T> weights_view(T* data, const tconv1d_weights_layout* layout, const char* layout_name) {
    const tconv1d_weights_layout& l = required(layout, layout_name);
    return {data,
            l.filter_size,
            l.num_filters,
            l.channels,
            l.filter_stride,
            l.filter_index_stride,
            l.channel_stride};
}

template <class T>
void forward(const T* x, const tconv1d_data_layout* x_layout, const T* weights,
             const tconv1d_weights_layout* weights_layout, const T* bias, std::int64_t bias_stride,
             std::int64_t stride, tconv1d_cropping cropping, T* y, const tconv1d_data_layout* y_layout) {
    const auto xv = data_view(x, x_layout, "x_layout");
    const auto wv = weights_view(weights, weights_layout, "weights_layout");
    const auto yv = data_view(y, y_layout, "y_layout");
    const auto g = tconv1d::resolve_geometry(xv.length, wv.filter_size, stride, cropping_spec(cropping));
    const tconv1d::BiasView<const T> bv{bias, wv.num_filters, bias_stride};
    tconv1d::forward<T>(xv, wv, bv, g, yv);
}

template <class T>
void backward_data(const T* dy, const tconv1d_data_layout* dy_layout, const T* weights,
                   const tconv1d_weights_layout* weights_layout, std::int64_t stride,
                   tconv1d_cropping cropping, T* dx, const tconv1d_data_layout* dx_layout) {
    const auto dyv = data_view(dy, dy_layout, "dy_layout");
    const auto wv = weights_view(weights, weights_layout, "weights_layout");
    const auto dxv = data_view(dx, dx_layout, "dx_layout");
    const auto g = tconv1d::resolve_geometry(dxv.length, wv.filter_size, stride, cropping_spec(cropping));
    tconv1d::backward_data<T>(dyv, wv, g, dxv);
}

template <class T>
void backward_weights(const T* x, const tconv1d_data_layout* x_layout, const T* dy,
                      const tconv1d_data_layout* dy_layout, std::int64_t stride, tconv1d_cropping cropping,
                      T* dweights, const tconv1d_weights_layout* dweights_layout) {
    const auto xv = data_view(x, x_layout, "x_layout");
    const auto dyv = data_view(dy, dy_layout, "dy_layout");
    const auto dwv = weights_view(dweights, dweights_layout, "dweights_layout");
    const auto g = tconv1d::resolve_geometry(xv.length, dwv.filter_size, stride, cropping_spec(cropping));
    tconv1d::backward_weights<T>(xv, dyv, g, dwv);
}

template <class T>
void backward_bias(const T* dy, const tconv1d_data_layout* dy_layout, T* dbias, std::int64_t dbias_stride) {
    const auto dyv = data_view(dy, dy_layout, "dy_layout");
    tconv1d::backward_bias<T>(dyv, tconv1d::BiasView<T>{dbias, dyv.channels, dbias_stride});
}

void require_positive(std::int64_t value, const char* name) {
    if (value < 1)
        throw std::invalid_argument(std::string(name) + " must be >= 1, got " + std::to_string(value));
}

}  // namespace

extern "C" {

const char* tconv1d_last_error(void) { return last_error_message.c_str(); }

const char* tconv1d_status_name(tconv1d_status status) {
    switch (status) {
        case TCONV1D_OK:
            return "ok";
        case TCONV1D_INVALID_ARGUMENT:
            return "invalid argument";
        case TCONV1D_OVERFLOW:
            return "overflow";
        case TCONV1D_OUT_OF_MEMORY:
            return "out of memory";
        case TCONV1D_RUNTIME_ERROR:
            return "runtime error";
        case TCONV1D_INTERNAL_ERROR:
            return "internal error";
    }
    return "unknown status";
}

tconv1d_status tconv1d_contiguous_data(int64_t batch, int64_t channels, int64_t length,
                                       tconv1d_data_layout* layout) {
    return guarded([&] {
        tconv1d_data_layout& l = required(layout, "layout");
        require_positive(batch, "batch");
        require_positive(channels, "channels");
        require_positive(length, "length");
        const std::int64_t item = tconv1d::checked_mul(channels, length, "channels * length");
        tconv1d::checked_mul(batch, item, "batch * channels * length");
        l = {batch, 1, item, item, channels, length, length, 1};
    });
}

tconv1d_status tconv1d_contiguous_weights(int64_t filter_size, int64_t num_filters, int64_t channels,
                                          tconv1d_weights_layout* layout) {
    return guarded([&] {
        tconv1d_weights_layout& l = required(layout, "layout");
        require_positive(filter_size, "filter_size");
        require_positive(num_filters, "num_filters");
        require_positive(channels, "channels");
        const std::int64_t tap = tconv1d::checked_mul(num_filters, channels, "num_filters * channels");
        tconv1d::checked_mul(filter_size, tap, "filter_size * num_filters * channels");
        l = {filter_size, num_filters, channels, tap, channels, 1};
    });
}

tconv1d_status tconv1d_resolve_geometry(int64_t length, int64_t filter_size, int64_t stride,
                                        tconv1d_cropping cropping, tconv1d_geometry* geometry) {
    return guarded([&] {
        tconv1d_geometry& out = required(geometry, "geometry");
        const auto g = tconv1d::resolve_geometry(length, filter_size, stride, cropping_spec(cropping));
        out = {g.length,     g.filter_size, g.stride,      g.crop_left,
               g.crop_right, g.extension,   g.full_length, g.out_length};
    });
}

tconv1d_status tconv1d_output_length(int64_t length, int64_t filter_size, int64_t stride,
                                     tconv1d_cropping cropping, int64_t* out_length) {
    return guarded([&] {
        std::int64_t& out = required(out_length, "out_length");
        out = tconv1d::output_length(length, filter_size, stride, cropping_spec(cropping));
    });
}

tconv1d_status tconv1d_forward_f32(const float* x, const tconv1d_data_layout* x_layout, const float* weights,
                                   const tconv1d_weights_layout* weights_layout, const float* bias,
                                   int64_t bias_stride, int64_t stride, tconv1d_cropping cropping, float* y,
                                   const tconv1d_data_layout* y_layout) {
    return guarded([&] {
        forward(x, x_layout, weights, weights_layout, bias, bias_stride, stride, cropping, y, y_layout);
    });
}
tconv1d_status tconv1d_forward_f64(const double* x, const tconv1d_data_layout* x_layout,
                                   const double* weights, const tconv1d_weights_layout* weights_layout,
                                   const double* bias, int64_t bias_stride, int64_t stride,
                                   tconv1d_cropping cropping, double* y,
                                   const tconv1d_data_layout* y_layout) {
    return guarded([&] {
        forward(x, x_layout, weights, weights_layout, bias, bias_stride, stride, cropping, y, y_layout);
    });
}

tconv1d_status tconv1d_backward_data_f32(const float* dy, const tconv1d_data_layout* dy_layout,
                                         const float* weights, const tconv1d_weights_layout* weights_layout,
                                         int64_t stride, tconv1d_cropping cropping, float* dx,
                                         const tconv1d_data_layout* dx_layout) {
    return guarded(
        [&] { backward_data(dy, dy_layout, weights, weights_layout, stride, cropping, dx, dx_layout); });
}
tconv1d_status tconv1d_backward_data_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                         const double* weights, const tconv1d_weights_layout* weights_layout,
                                         int64_t stride, tconv1d_cropping cropping, double* dx,
                                         const tconv1d_data_layout* dx_layout) {
    return guarded(
        [&] { backward_data(dy, dy_layout, weights, weights_layout, stride, cropping, dx, dx_layout); });
}

tconv1d_status tconv1d_backward_weights_f32(const float* x, const tconv1d_data_layout* x_layout,
                                            const float* dy, const tconv1d_data_layout* dy_layout,
                                            int64_t stride, tconv1d_cropping cropping, float* dweights,
                                            const tconv1d_weights_layout* dweights_layout) {
    return guarded(
        [&] { backward_weights(x, x_layout, dy, dy_layout, stride, cropping, dweights, dweights_layout); });
}
tconv1d_status tconv1d_backward_weights_f64(const double* x, const tconv1d_data_layout* x_layout,
                                            const double* dy, const tconv1d_data_layout* dy_layout,
                                            int64_t stride, tconv1d_cropping cropping, double* dweights,
                                            const tconv1d_weights_layout* dweights_layout) {
    return guarded(
        [&] { backward_weights(x, x_layout, dy, dy_layout, stride, cropping, dweights, dweights_layout); });
}

tconv1d_status tconv1d_backward_bias_f32(const float* dy, const tconv1d_data_layout* dy_layout, float* dbias,
                                         int64_t dbias_stride) {
    return guarded([&] { backward_bias(dy, dy_layout, dbias, dbias_stride); });
}
tconv1d_status tconv1d_backward_bias_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                         double* dbias, int64_t dbias_stride) {
    return guarded([&] { backward_bias(dy, dy_layout, dbias, dbias_stride); });
}

const char* tconv1d_version(void) { return TCONV1D_VERSION; }

tconv1d_status tconv1d_set_num_threads(int num_threads) {
    return guarded([&] { tconv1d::set_num_threads(num_threads); });
}

int tconv1d_get_num_threads(void) { return tconv1d::get_num_threads(); }

int tconv1d_max_num_threads(void) { return tconv1d::max_num_threads(); }

}  // extern "C"
