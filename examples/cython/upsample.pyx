# cython: language_level=3, boundscheck=False, wraparound=False
"""tconv1d from Cython: the forward pass and the three gradients through the C API,
inside ``with nogil:`` on typed memoryviews (float32 or float64, any strides).

Build (README, "From Cython")::

    cython -3 upsample.pyx
    cc -shared -fPIC -O2 upsample.c -o upsample$(python3-config --extension-suffix) \\
       $(python3-config --includes) -I$(tconv1d --include-dir) \\
       $(tconv1d --library-dir)/libtconv1d.so.0.1 -Wl,-rpath,$(tconv1d --library-dir)

Arrays are (batch, channels, length); weights (FilterSize, NumFilters,
NumChannels) as everywhere in tconv1d. ``cropping`` is "same" or a pair.
"""

import numpy as np

from libc.stdint cimport int64_t

from tconv1d cimport capi

ctypedef fused real:
    float
    double


cdef capi.tconv1d_data_layout data_layout(Py_ssize_t* shape, Py_ssize_t* strides, size_t item) noexcept nogil:
    # A (batch, channels, length) memoryview's layout: its strides are in bytes,
    # the C API counts elements.
    cdef capi.tconv1d_data_layout layout
    layout.batch_outer = shape[0]
    layout.batch_inner = 1
    layout.batch_outer_stride = strides[0] // <Py_ssize_t>item
    layout.batch_inner_stride = 0
    layout.channels = shape[1]
    layout.channel_stride = strides[1] // <Py_ssize_t>item
    layout.length = shape[2]
    layout.length_stride = strides[2] // <Py_ssize_t>item
    return layout


cdef capi.tconv1d_weights_layout weights_layout(Py_ssize_t* shape, Py_ssize_t* strides, size_t item) noexcept nogil:
    cdef capi.tconv1d_weights_layout layout
    layout.filter_size = shape[0]
    layout.num_filters = shape[1]
    layout.channels = shape[2]
    layout.filter_stride = strides[0] // <Py_ssize_t>item
    layout.filter_index_stride = strides[1] // <Py_ssize_t>item
    layout.channel_stride = strides[2] // <Py_ssize_t>item
    return layout


cdef capi.tconv1d_cropping as_cropping(object cropping) except *:
    cdef capi.tconv1d_cropping c
    c.same = 1 if cropping == "same" else 0
    c.left, c.right = (0, 0) if c.same else tuple(cropping)
    return c


cdef int check(capi.tconv1d_status status) except -1:
    if status != capi.TCONV1D_OK:
        message = capi.tconv1d_last_error().decode()
        if status == capi.TCONV1D_OVERFLOW:
            raise OverflowError(message)
        if status == capi.TCONV1D_OUT_OF_MEMORY:
            raise MemoryError(message)
        raise ValueError(message)
    return 0


def forward(const real[:, :, :] x, const real[:, :, :] weights, const real[::1] bias, int64_t stride=1,
            cropping="same"):
    """y = the forward pass (SPEC R3.1); the work runs without the GIL."""
    if x.shape[0] * x.shape[1] * x.shape[2] == 0 or weights.shape[0] * weights.shape[1] * weights.shape[2] == 0:
        raise ValueError("x and weights must not be empty")
    if bias.shape[0] != weights.shape[1]:
        raise ValueError(f"bias must have NumFilters = {weights.shape[1]} elements, got {bias.shape[0]}")
    cdef capi.tconv1d_cropping crop = as_cropping(cropping)
    cdef int64_t out_length
    check(capi.tconv1d_output_length(x.shape[2], weights.shape[0], stride, crop, &out_length))
    y = np.empty((x.shape[0], weights.shape[1], out_length), dtype=np.float32 if real is float else np.float64)
    cdef real[:, :, ::1] yv = y
    cdef capi.tconv1d_data_layout xl = data_layout(x.shape, x.strides, sizeof(real))
    cdef capi.tconv1d_data_layout yl = data_layout(yv.shape, yv.strides, sizeof(real))
    cdef capi.tconv1d_weights_layout wl = weights_layout(weights.shape, weights.strides, sizeof(real))
    cdef capi.tconv1d_status status
    with nogil:
        if real is float:
            status = capi.tconv1d_forward_f32(&x[0, 0, 0], &xl, &weights[0, 0, 0], &wl, &bias[0], 1, stride, crop,
                                              &yv[0, 0, 0], &yl)
        else:
            status = capi.tconv1d_forward_f64(&x[0, 0, 0], &xl, &weights[0, 0, 0], &wl, &bias[0], 1, stride, crop,
                                              &yv[0, 0, 0], &yl)
    check(status)
    return y


def gradients(const real[:, :, :] x, const real[:, :, :] weights, const real[:, :, :] dy, int64_t stride=1,
              cropping="same"):
    """(dx, dweights, dbias) of the forward pass for the output gradient dy (SPEC R3.3),
    the three passes in one block without the GIL."""
    if x.shape[0] * x.shape[1] * x.shape[2] == 0 or dy.shape[0] * dy.shape[1] * dy.shape[2] == 0:
        raise ValueError("x and dy must not be empty")
    if weights.shape[0] * weights.shape[1] * weights.shape[2] == 0:
        raise ValueError("weights must not be empty")
    cdef capi.tconv1d_cropping crop = as_cropping(cropping)
    dtype = np.float32 if real is float else np.float64
    dx = np.empty((x.shape[0], x.shape[1], x.shape[2]), dtype=dtype)
    dw = np.empty((weights.shape[0], weights.shape[1], weights.shape[2]), dtype=dtype)
    db = np.empty(dy.shape[1], dtype=dtype)
    cdef real[:, :, ::1] dxv = dx
    cdef real[:, :, ::1] dwv = dw
    cdef real[::1] dbv = db
    cdef capi.tconv1d_data_layout xl = data_layout(x.shape, x.strides, sizeof(real))
    cdef capi.tconv1d_data_layout dyl = data_layout(dy.shape, dy.strides, sizeof(real))
    cdef capi.tconv1d_data_layout dxl = data_layout(dxv.shape, dxv.strides, sizeof(real))
    cdef capi.tconv1d_weights_layout wl = weights_layout(weights.shape, weights.strides, sizeof(real))
    cdef capi.tconv1d_weights_layout dwl = weights_layout(dwv.shape, dwv.strides, sizeof(real))
    cdef capi.tconv1d_status status
    with nogil:
        if real is float:
            status = capi.tconv1d_backward_data_f32(&dy[0, 0, 0], &dyl, &weights[0, 0, 0], &wl, stride, crop,
                                                    &dxv[0, 0, 0], &dxl)
            if status == capi.TCONV1D_OK:
                status = capi.tconv1d_backward_weights_f32(&x[0, 0, 0], &xl, &dy[0, 0, 0], &dyl, stride, crop,
                                                           &dwv[0, 0, 0], &dwl)
            if status == capi.TCONV1D_OK:
                status = capi.tconv1d_backward_bias_f32(&dy[0, 0, 0], &dyl, &dbv[0], 1)
        else:
            status = capi.tconv1d_backward_data_f64(&dy[0, 0, 0], &dyl, &weights[0, 0, 0], &wl, stride, crop,
                                                    &dxv[0, 0, 0], &dxl)
            if status == capi.TCONV1D_OK:
                status = capi.tconv1d_backward_weights_f64(&x[0, 0, 0], &xl, &dy[0, 0, 0], &dyl, stride, crop,
                                                           &dwv[0, 0, 0], &dwl)
            if status == capi.TCONV1D_OK:
                status = capi.tconv1d_backward_bias_f64(&dy[0, 0, 0], &dyl, &dbv[0], 1)
    check(status)
    return dx, dw, db


def version():
    """The library's version, through the C API."""
    return capi.tconv1d_version().decode()
