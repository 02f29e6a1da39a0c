// Turning NumPy arrays into the library's strided views, without copying.
// Only shape and stride bookkeeping lives here; no arithmetic on the data.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "tconv1d/view.hpp"

namespace tconv1d::python {

namespace py = pybind11;

// Element stride of axis `axis`; a byte stride that is not a whole number of
// elements (possible with as_strided) cannot be expressed in a view.
inline std::int64_t element_stride(const py::array& a, py::ssize_t axis, const char* name) {
    const auto bytes = a.strides(axis);
    if (bytes % a.itemsize() != 0)
        throw py::value_error(std::string(name) + ": strides must be multiples of the item size");
    return bytes / a.itemsize();
}

inline void require_ndim(const py::array& a, py::ssize_t ndim, const char* name) {
    if (a.ndim() != ndim)
        throw py::value_error(std::string(name) + ": expected a " + std::to_string(ndim) + "-d array, got " +
                              std::to_string(a.ndim()) + "-d");
}

template <class T>
T* data_pointer(const py::array& a, const char* name) {
    if constexpr (std::is_const_v<T>) {
        return static_cast<T*>(a.data());
    } else {
        if (!a.writeable()) throw py::value_error(std::string(name) + ": output is read-only");
        return static_cast<T*>(const_cast<void*>(a.data()));
    }
}

// (batch_outer, batch_inner, channel, position) array -> DataView.
template <class T>
DataView<T> data_view(const py::array& a, const char* name) {
    require_ndim(a, 4, name);
    DataView<T> v;
    v.data = data_pointer<T>(a, name);
    v.batch_outer = a.shape(0);
    v.batch_inner = a.shape(1);
    v.channels = a.shape(2);
    v.length = a.shape(3);
    v.batch_outer_stride = element_stride(a, 0, name);
    v.batch_inner_stride = element_stride(a, 1, name);
    v.channel_stride = element_stride(a, 2, name);
    v.length_stride = element_stride(a, 3, name);
    return v;
}

// (FilterSize, NumFilters, NumChannels) array -> WeightsView.
template <class T>
WeightsView<T> weights_view(const py::array& a, const char* name) {
    require_ndim(a, 3, name);
    return {data_pointer<T>(a, name),
            a.shape(0),
            a.shape(1),
            a.shape(2),
            element_stride(a, 0, name),
            element_stride(a, 1, name),
            element_stride(a, 2, name)};
}

// (NumFilters,) array or None -> BiasView (empty for None).
template <class T>
BiasView<T> bias_view(const py::object& obj, const char* name) {
    if (obj.is_none()) return {};
    if (!py::isinstance<py::array>(obj))
        throw py::type_error(std::string(name) + ": expected a NumPy array or None");
    const auto a = py::reinterpret_borrow<py::array>(obj);
    require_ndim(a, 1, name);
    return {data_pointer<T>(a, name), a.shape(0), element_stride(a, 0, name)};
}

}  // namespace tconv1d::python
