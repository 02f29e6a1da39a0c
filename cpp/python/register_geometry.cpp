#include <pybind11/pybind11.h>

#include "tconv1d/geometry.hpp"

namespace py = pybind11;

namespace tconv1d::python {

void register_geometry(py::module_& m) {
    py::class_<Geometry>(m, "Geometry", "Resolved sizes of one call (SPEC R2).")
        .def_readonly("length", &Geometry::length)
        .def_readonly("filter_size", &Geometry::filter_size)
        .def_readonly("stride", &Geometry::stride)
        .def_readonly("crop_left", &Geometry::crop_left)
        .def_readonly("crop_right", &Geometry::crop_right)
        .def_readonly("extension", &Geometry::extension)
        .def_readonly("full_length", &Geometry::full_length)
        .def_readonly("out_length", &Geometry::out_length)
        .def("__repr__", [](const Geometry& g) {
            return "Geometry(length=" + std::to_string(g.length) +
                   ", filter_size=" + std::to_string(g.filter_size) + ", stride=" + std::to_string(g.stride) +
                   ", crop_left=" + std::to_string(g.crop_left) +
                   ", crop_right=" + std::to_string(g.crop_right) +
                   ", extension=" + std::to_string(g.extension) +
                   ", full_length=" + std::to_string(g.full_length) +
                   ", out_length=" + std::to_string(g.out_length) + ")";
        });

    m.def(
        "resolve_geometry",
        [](std::int64_t length, std::int64_t filter_size, std::int64_t stride, bool same,
           std::int64_t crop_left, std::int64_t crop_right) {
            const auto spec = same ? CroppingSpec::make_same() : CroppingSpec::manual(crop_left, crop_right);
            return resolve_geometry(length, filter_size, stride, spec);
        },
        py::arg("length"), py::arg("filter_size"), py::arg("stride"), py::arg("same"),
        py::arg("crop_left") = 0, py::arg("crop_right") = 0,
        "Resolve and validate the geometry; ValueError/OverflowError on bad sizes.");
}

}  // namespace tconv1d::python
