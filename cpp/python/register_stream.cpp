// The streaming forward pass (tconv1d::Stream) for float and double. Arrays
// arrive already arranged by the Python side as (batch_outer, batch_inner,
// channel, position) views of the stream's dtype; the GIL is released around
// the computation.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "arrays.hpp"
#include "tconv1d/stream.hpp"

namespace py = pybind11;

namespace tconv1d::python {

namespace {

template <class T>
void require_exact_dtype(const py::array& a, const char* name) {
    if (!py::array_t<T>::check_(a))
        throw py::type_error(std::string(name) + ": dtype " + py::str(a.dtype()).cast<std::string>() +
                             " differs from the stream's");
}

template <class T>
void register_stream(py::module_& m, const char* name) {
    py::class_<Stream<T>>(m, name, "Streaming forward pass (SPEC R13): push(chunk, y), flush(y).")
        .def(py::init([](const py::array& w, const py::object& b, std::int64_t stride, bool same,
                         std::int64_t crop_left, std::int64_t crop_right, std::int64_t batch_outer,
                         std::int64_t batch_inner) {
                 require_exact_dtype<T>(w, "weights");
                 if (!b.is_none()) require_exact_dtype<T>(py::reinterpret_borrow<py::array>(b), "bias");
                 const auto spec =
                     same ? CroppingSpec::make_same() : CroppingSpec::manual(crop_left, crop_right);
                 return Stream<T>(weights_view<const T>(w, "weights"), bias_view<const T>(b, "bias"), stride,
                                  spec, batch_outer, batch_inner);
             }),
             py::arg("weights"), py::arg("bias").none(true), py::arg("stride"), py::arg("same"),
             py::arg("crop_left"), py::arg("crop_right"), py::arg("batch_outer"), py::arg("batch_inner"))
        .def("outputs_for", &Stream<T>::outputs_for, py::arg("length"),
             "How many outputs push() of a chunk of `length` samples writes.")
        .def(
            "push",
            [](Stream<T>& s, const py::array& chunk, const py::array& y) {
                require_exact_dtype<T>(chunk, "chunk");
                require_exact_dtype<T>(y, "y");
                const auto chunk_view = data_view<const T>(chunk, "chunk");
                const auto y_view = data_view<T>(y, "y");
                py::gil_scoped_release release;
                s.push(chunk_view, y_view);
            },
            py::arg("chunk"), py::arg("y"),
            "Take (B0, B1, C, m) samples; write the outputs now final into y.")
        .def("outputs_at_flush", &Stream<T>::outputs_at_flush,
             "How many outputs flush() writes; raises what the whole-signal call would.")
        .def(
            "flush",
            [](Stream<T>& s, const py::array& y) {
                require_exact_dtype<T>(y, "y");
                const auto y_view = data_view<T>(y, "y");
                py::gil_scoped_release release;
                s.flush(y_view);
            },
            py::arg("y"), "End of the signal: write every remaining output into y; closes the stream.")
        .def_property_readonly("latency", &Stream<T>::latency)
        .def_property_readonly("samples_pushed", &Stream<T>::samples_pushed)
        .def_property_readonly("outputs_written", &Stream<T>::outputs_written)
        .def_property_readonly("samples_held", &Stream<T>::samples_held)
        .def_property_readonly("closed", &Stream<T>::closed);
}

}  // namespace

void register_stream(py::module_& m) {
    register_stream<float>(m, "StreamFloat32");
    register_stream<double>(m, "StreamFloat64");
}

}  // namespace tconv1d::python
