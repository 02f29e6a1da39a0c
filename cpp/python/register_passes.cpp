// The four passes. Arrays arrive already arranged by the Python side as
// (batch_outer, batch_inner, channel, position) views; dtypes must agree. The
// GIL is released around the computation.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>

#include "arrays.hpp"
#include "tconv1d/passes.hpp"

namespace py = pybind11;

namespace tconv1d::python {

namespace {

enum class DType : std::uint8_t { float32, float64 };

// Dtypes are compared by value (NumPy's equivalence), not by identity: a
// dtype that went through pickle, or carries metadata, is another object equal
// to float32/float64. A float of the other byte order is not equivalent: the
// kernels read native numbers, so it is refused with the reason.
DType dtype_of(const py::array& a, const char* name) {
    if (py::array_t<float>::check_(a)) return DType::float32;
    if (py::array_t<double>::check_(a)) return DType::float64;
    const std::string got = py::str(a.dtype()).cast<std::string>();
    if (a.dtype().kind() == 'f' && (a.itemsize() == 4 || a.itemsize() == 8))
        throw py::type_error(std::string(name) + ": dtype " + got +
                             " is not in the machine's byte order; pass a native copy (astype)");
    throw py::type_error(std::string(name) + ": dtype must be float32 or float64, got " + got);
}

void require_dtype(const py::array& a, DType want, const char* name) {
    if (dtype_of(a, name) != want)
        throw py::type_error(std::string(name) + ": dtype " + py::str(a.dtype()).cast<std::string>() +
                             " differs from the input's");
}

// An optional array (the bias): None, or a NumPy array, nothing else.
void require_dtype(const py::object& maybe, DType want, const char* name) {
    if (maybe.is_none()) return;
    if (!py::isinstance<py::array>(maybe))
        throw py::type_error(std::string(name) + ": expected a NumPy array or None, got " +
                             py::str(py::type::of(maybe).attr("__name__")).cast<std::string>());
    require_dtype(py::reinterpret_borrow<py::array>(maybe), want, name);
}

template <class T>
void run_forward(const py::array& x, const py::array& w, const py::object& b, const Geometry& g,
                 const py::array& y) {
    const auto xv = data_view<const T>(x, "x");
    const auto wv = weights_view<const T>(w, "weights");
    const auto bv = bias_view<const T>(b, "bias");
    const auto yv = data_view<T>(y, "y");
    py::gil_scoped_release release;
    forward<T>(xv, wv, bv, g, yv);
}

template <class T>
void run_backward_data(const py::array& dy, const py::array& w, const Geometry& g, const py::array& dx) {
    const auto dyv = data_view<const T>(dy, "dy");
    const auto wv = weights_view<const T>(w, "weights");
    const auto dxv = data_view<T>(dx, "dx");
    py::gil_scoped_release release;
    backward_data<T>(dyv, wv, g, dxv);
}

template <class T>
void run_backward_weights(const py::array& x, const py::array& dy, const Geometry& g, const py::array& dw) {
    const auto xv = data_view<const T>(x, "x");
    const auto dyv = data_view<const T>(dy, "dy");
    const auto dwv = weights_view<T>(dw, "dweights");
    py::gil_scoped_release release;
    backward_weights<T>(xv, dyv, g, dwv);
}

template <class T>
void run_backward_bias(const py::array& dy, const py::array& db) {
    const auto dyv = data_view<const T>(dy, "dy");
    const auto dbv = bias_view<T>(db, "dbias");
    py::gil_scoped_release release;
    backward_bias<T>(dyv, dbv);
}

}  // namespace

void register_passes(py::module_& m) {
    m.def(
        "forward",
        [](const py::array& x, const py::array& w, const py::object& b, const Geometry& g,
           const py::array& y) {
            const DType t = dtype_of(x, "x");
            require_dtype(w, t, "weights");
            require_dtype(b, t, "bias");
            require_dtype(y, t, "y");
            if (t == DType::float32)
                run_forward<float>(x, w, b, g, y);
            else
                run_forward<double>(x, w, b, g, y);
        },
        py::arg("x"), py::arg("weights"), py::arg("bias").none(true), py::arg("geometry"), py::arg("y"),
        "y[...] = forward pass (R3.1); x, y are (B0, B1, C, L) views.");
    m.def(
        "backward_data",
        [](const py::array& dy, const py::array& w, const Geometry& g, const py::array& dx) {
            const DType t = dtype_of(dy, "dy");
            require_dtype(w, t, "weights");
            require_dtype(dx, t, "dx");
            if (t == DType::float32)
                run_backward_data<float>(dy, w, g, dx);
            else
                run_backward_data<double>(dy, w, g, dx);
        },
        py::arg("dy"), py::arg("weights"), py::arg("geometry"), py::arg("dx"));
    m.def(
        "backward_weights",
        [](const py::array& x, const py::array& dy, const Geometry& g, const py::array& dw) {
            const DType t = dtype_of(x, "x");
            require_dtype(dy, t, "dy");
            require_dtype(dw, t, "dweights");
            if (t == DType::float32)
                run_backward_weights<float>(x, dy, g, dw);
            else
                run_backward_weights<double>(x, dy, g, dw);
        },
        py::arg("x"), py::arg("dy"), py::arg("geometry"), py::arg("dweights"));
    m.def(
        "backward_bias",
        [](const py::array& dy, const py::array& db) {
            const DType t = dtype_of(dy, "dy");
            require_dtype(db, t, "dbias");
            if (t == DType::float32)
                run_backward_bias<float>(dy, db);
            else
                run_backward_bias<double>(dy, db);
        },
        py::arg("dy"), py::arg("dbias"));
}

}  // namespace tconv1d::python
