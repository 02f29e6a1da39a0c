/* The C API of the tconv1d library: valid C99 and C++, no C++ type across it.
 *
 * The four passes of SPEC R3 for float (_f32) and double (_f64) over strided
 * views, the geometry (output length, resolved cropping), the version and the
 * thread count. The arrays are the caller's: a layout struct says how a pointer
 * is seen as (batch, channel, position) or as weights W[f, k, c]
 * (FilterSize x NumFilters x NumChannels); strides are in elements and may be
 * negative. Inputs are only read; outputs are fully overwritten and must not
 * overlap the inputs.
 *
 * Every function that can fail returns a tconv1d_status. TCONV1D_OK is 0; on
 * any other status tconv1d_last_error() gives a message naming the argument
 * (for example "y: length is 9, expected 10"). The message is kept per thread
 * and cleared by each call that succeeds. Bad arguments never crash: null
 * pointers, sizes below 1, extents and strides whose offsets overflow 64 bits
 * and mismatched shapes are all reported as statuses. No C++ exception crosses
 * this interface.
 *
 *     float x[3] = {0, 1, 2}, w[3] = {1, 1, 1}, y[5];
 *     tconv1d_data_layout xl, yl;
 *     tconv1d_weights_layout wl;
 *     tconv1d_cropping crop = {0, 0, 0};                 (manual [0 0])
 *     tconv1d_contiguous_data(1, 1, 3, &xl);              (N x C x L, row-major)
 *     tconv1d_contiguous_data(1, 1, 5, &yl);
 *     tconv1d_contiguous_weights(3, 1, 1, &wl);           (F x K x C, row-major)
 *     if (tconv1d_forward_f32(x, &xl, w, &wl, NULL, 0, 1, crop, y, &yl) != TCONV1D_OK)
 *         fprintf(stderr, "%s\n", tconv1d_last_error());
 *
 * Link with the tconv1d library (CMake: tconv1d::tconv1d; pkg-config: tconv1d).
 */
#ifndef TCONV1D_TCONV1D_H
#define TCONV1D_TCONV1D_H

#include <stdint.h>

#include "tconv1d/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status */

typedef enum tconv1d_status {
    TCONV1D_OK = 0,
    TCONV1D_INVALID_ARGUMENT = 1, /* a size, shape, stride, pointer or option is wrong */
    TCONV1D_OVERFLOW = 2,         /* a size or offset does not fit in 64 bits */
    TCONV1D_OUT_OF_MEMORY = 3,    /* workspace memory could not be had */
    TCONV1D_RUNTIME_ERROR = 4,    /* e.g. threads could not be started, or a forced kernel body is unusable */
    TCONV1D_INTERNAL_ERROR = 5    /* anything else: a bug, please report it */
} tconv1d_status;

/* The message of the last call on this thread that failed ("" after a call
 * that succeeded). Valid until the next tconv1d call on this thread. */
TCONV1D_API const char* tconv1d_last_error(void);

/* A short constant name of a status ("ok", "invalid argument", ...). */
TCONV1D_API const char* tconv1d_status_name(tconv1d_status status);

/* ----------------------------------------------------------------- layouts */

/* A data tensor seen as (batch, channel, position). The batch may be two array
 * axes (outer, inner) with their own strides; set batch_inner = 1 when it is
 * one. tconv1d_contiguous_data fills it for a row-major (N, C, L) array. */
typedef struct tconv1d_data_layout {
    int64_t batch_outer, batch_inner;
    int64_t batch_outer_stride, batch_inner_stride;
    int64_t channels, channel_stride;
    int64_t length, length_stride;
} tconv1d_data_layout;

/* Weights W[f, k, c]: FilterSize x NumFilters x NumChannels, any strides. */
typedef struct tconv1d_weights_layout {
    int64_t filter_size, num_filters, channels;
    int64_t filter_stride, filter_index_stride, channel_stride;
} tconv1d_weights_layout;

/* Row-major (batch, channels, length). */
TCONV1D_API tconv1d_status tconv1d_contiguous_data(int64_t batch, int64_t channels, int64_t length,
                                                   tconv1d_data_layout* layout);
/* Row-major (filter_size, num_filters, channels). */
TCONV1D_API tconv1d_status tconv1d_contiguous_weights(int64_t filter_size, int64_t num_filters,
                                                      int64_t channels, tconv1d_weights_layout* layout);

/* ---------------------------------------------------------------- geometry */

/* The cropping: same != 0 asks for "same" (output length L * stride; left and
 * right are ignored), else the explicit pair [left right] (both >= 0). */
typedef struct tconv1d_cropping {
    int same;
    int64_t left, right;
} tconv1d_cropping;

/* Sizes of one call (SPEC R2). Output position t reads full-output position
 * t + crop_left; "same" with filter_size < stride appends `extension`
 * bias-only positions past full_length. */
typedef struct tconv1d_geometry {
    int64_t length, filter_size, stride;
    int64_t crop_left, crop_right, extension;
    int64_t full_length, out_length;
} tconv1d_geometry;

TCONV1D_API tconv1d_status tconv1d_resolve_geometry(int64_t length, int64_t filter_size, int64_t stride,
                                                    tconv1d_cropping cropping, tconv1d_geometry* geometry);
TCONV1D_API tconv1d_status tconv1d_output_length(int64_t length, int64_t filter_size, int64_t stride,
                                                 tconv1d_cropping cropping, int64_t* out_length);

/* ------------------------------------------------------------------ passes */

/* y = C^T x + b (R3.1). x: (N, C, L); weights: (F, K, C); y: (N, K, out_length)
 * with out_length from the geometry of (L, F, stride, cropping). bias may be
 * NULL (no bias); otherwise K elements bias_stride apart. */
TCONV1D_API tconv1d_status tconv1d_forward_f32(const float* x, const tconv1d_data_layout* x_layout,
                                               const float* weights,
                                               const tconv1d_weights_layout* weights_layout,
                                               const float* bias, int64_t bias_stride, int64_t stride,
                                               tconv1d_cropping cropping, float* y,
                                               const tconv1d_data_layout* y_layout);
TCONV1D_API tconv1d_status tconv1d_forward_f64(const double* x, const tconv1d_data_layout* x_layout,
                                               const double* weights,
                                               const tconv1d_weights_layout* weights_layout,
                                               const double* bias, int64_t bias_stride, int64_t stride,
                                               tconv1d_cropping cropping, double* y,
                                               const tconv1d_data_layout* y_layout);

/* dx = C dy (R3.3). dy: (N, K, out_length); dx: (N, C, L); L is dx's length. */
TCONV1D_API tconv1d_status tconv1d_backward_data_f32(const float* dy, const tconv1d_data_layout* dy_layout,
                                                     const float* weights,
                                                     const tconv1d_weights_layout* weights_layout,
                                                     int64_t stride, tconv1d_cropping cropping, float* dx,
                                                     const tconv1d_data_layout* dx_layout);
TCONV1D_API tconv1d_status tconv1d_backward_data_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                                     const double* weights,
                                                     const tconv1d_weights_layout* weights_layout,
                                                     int64_t stride, tconv1d_cropping cropping, double* dx,
                                                     const tconv1d_data_layout* dx_layout);

/* dW[f, k, c] = sum over n, i of x[n, c, i] dy_full[n, k, i * stride + f]
 * (R3.3). x: (N, C, L); dy: (N, K, out_length); dweights: (F, K, C). */
TCONV1D_API tconv1d_status tconv1d_backward_weights_f32(const float* x, const tconv1d_data_layout* x_layout,
                                                        const float* dy, const tconv1d_data_layout* dy_layout,
                                                        int64_t stride, tconv1d_cropping cropping,
                                                        float* dweights,
                                                        const tconv1d_weights_layout* dweights_layout);
TCONV1D_API tconv1d_status tconv1d_backward_weights_f64(const double* x, const tconv1d_data_layout* x_layout,
                                                        const double* dy,
                                                        const tconv1d_data_layout* dy_layout, int64_t stride,
                                                        tconv1d_cropping cropping, double* dweights,
                                                        const tconv1d_weights_layout* dweights_layout);

/* db[k] = sum over n, t of dy[n, k, t] (R3.3). dbias: K elements
 * dbias_stride apart, K = dy's channels. */
TCONV1D_API tconv1d_status tconv1d_backward_bias_f32(const float* dy, const tconv1d_data_layout* dy_layout,
                                                     float* dbias, int64_t dbias_stride);
TCONV1D_API tconv1d_status tconv1d_backward_bias_f64(const double* dy, const tconv1d_data_layout* dy_layout,
                                                     double* dbias, int64_t dbias_stride);

/* ----------------------------------------------------------------- runtime */

/* The library's version, e.g. "0.1.0" (a static string). */
TCONV1D_API const char* tconv1d_version(void);

/* Threads of the passes: 0 means OpenMP's default; at most
 * tconv1d_max_num_threads(). Results do not depend on the count. */
TCONV1D_API tconv1d_status tconv1d_set_num_threads(int num_threads);
TCONV1D_API int tconv1d_get_num_threads(void);
TCONV1D_API int tconv1d_max_num_threads(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TCONV1D_TCONV1D_H */
