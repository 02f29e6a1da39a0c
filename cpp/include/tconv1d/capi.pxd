# cython: language_level=3
# Cython declarations of tconv1d's C API (tconv1d/tconv1d.h), every function nogil:
#
#     from tconv1d cimport capi
#
# with tconv1d.get_include() on Cython's include path (cythonize(...,
# include_path=[...]), or cython -I) and on the C compiler's, linking the library
# in tconv1d.get_library_dir() (README, "From Cython"). The header
# documents each function; a call returns a status (capi.TCONV1D_OK is 0) and
# capi.tconv1d_last_error() names the bad argument.

from libc.stdint cimport int64_t


cdef extern from "tconv1d/tconv1d.h" nogil:
    ctypedef enum tconv1d_status:
        TCONV1D_OK
        TCONV1D_INVALID_ARGUMENT
        TCONV1D_OVERFLOW
        TCONV1D_OUT_OF_MEMORY
        TCONV1D_RUNTIME_ERROR
        TCONV1D_INTERNAL_ERROR

    const char* tconv1d_last_error()
    const char* tconv1d_status_name(tconv1d_status status)

    ctypedef struct tconv1d_data_layout:
        int64_t batch_outer, batch_inner
        int64_t batch_outer_stride, batch_inner_stride
        int64_t channels, channel_stride
        int64_t length, length_stride

    ctypedef struct tconv1d_weights_layout:
        int64_t filter_size, num_filters, channels
        int64_t filter_stride, filter_index_stride, channel_stride

    tconv1d_status tconv1d_contiguous_data(int64_t batch, int64_t channels, int64_t length,
                                           tconv1d_data_layout* layout)
    tconv1d_status tconv1d_contiguous_weights(int64_t filter_size, int64_t num_filters, int64_t channels,
                                              tconv1d_weights_layout* layout)

    ctypedef struct tconv1d_cropping:
        int same
        int64_t left, right

    ctypedef struct tconv1d_geometry:
        int64_t length, filter_size, stride
        int64_t crop_left, crop_right, extension
        int64_t full_length, out_length

    tconv1d_status tconv1d_resolve_geometry(int64_t length, int64_t filter_size, int64_t stride,
                                            tconv1d_cropping cropping, tconv1d_geometry* geometry)
    tconv1d_status tconv1d_output_length(int64_t length, int64_t filter_size, int64_t stride,
                                         tconv1d_cropping cropping, int64_t* out_length)

    tconv1d_status tconv1d_forward_f32(const float* x, const tconv1d_data_layout* x_layout,
                                       const float* weights, const tconv1d_weights_layout* weights_layout,
                                       const float* bias, int64_t bias_stride, int64_t stride,
                                       tconv1d_cropping cropping, float* y, const tconv1d_data_layout* y_layout)
    tconv1d_status tconv1d_forward_f64(const double* x, const tconv1d_data_layout* x_layout,
                                       const double* weights, const tconv1d_weights_layout* weights_layout,
                                       const double* bias, int64_t bias_stride, int64_t stride,
                                       tconv1d_cropping cropping, double* y, const tconv1d_data_layout* y_layout)

    tconv1d_status tconv1d_backward_data_f32(const float* dy, const tconv1d_data_layout* dy_layout,
                                             const float* weights, const tconv1d_weights_layout* weights_layout,
                                             int64_t stride, tconv1d_cropping cropping, float* dx,
                                             const tconv1d_data_layout* dx_layout)
    tconv1d_status tconv1d_backward_data_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                             const double* weights, const tconv1d_weights_layout* weights_layout,
                                             int64_t stride, tconv1d_cropping cropping, double* dx,
                                             const tconv1d_data_layout* dx_layout)

    tconv1d_status tconv1d_backward_weights_f32(const float* x, const tconv1d_data_layout* x_layout,
                                                const float* dy, const tconv1d_data_layout* dy_layout,
                                                int64_t stride, tconv1d_cropping cropping, float* dweights,
                                                const tconv1d_weights_layout* dweights_layout)
    tconv1d_status tconv1d_backward_weights_f64(const double* x, const tconv1d_data_layout* x_layout,
                                                const double* dy, const tconv1d_data_layout* dy_layout,
                                                int64_t stride, tconv1d_cropping cropping, double* dweights,
                                                const tconv1d_weights_layout* dweights_layout)

    tconv1d_status tconv1d_backward_bias_f32(const float* dy, const tconv1d_data_layout* dy_layout,
                                             float* dbias, int64_t dbias_stride)
    tconv1d_status tconv1d_backward_bias_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                             double* dbias, int64_t dbias_stride)

    const char* tconv1d_version()
    tconv1d_status tconv1d_set_num_threads(int num_threads)
    int tconv1d_get_num_threads()
    int tconv1d_max_num_threads()
