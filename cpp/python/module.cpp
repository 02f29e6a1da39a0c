// tconv1d._core: wires the per-concept registrations together, nothing more.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace tconv1d::python {
void register_geometry(py::module_& m);
void register_passes(py::module_& m);
void register_runtime(py::module_& m);
void register_stream(py::module_& m);
}  // namespace tconv1d::python

PYBIND11_MODULE(_core, m) {
    m.doc() = "Compiled core of tconv1d: geometry and the four passes of the C++ library.";
    tconv1d::python::register_geometry(m);
    tconv1d::python::register_passes(m);
    tconv1d::python::register_runtime(m);
    tconv1d::python::register_stream(m);
}
