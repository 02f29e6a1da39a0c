#include <pybind11/pybind11.h>

#include "tconv1d/runtime.hpp"

namespace py = pybind11;

namespace tconv1d::python {

void register_runtime(py::module_& m) {
    m.def("set_num_threads", &set_num_threads, py::arg("num_threads"),
          "Threads for the CPU passes; 0 restores OpenMP's default. Results do not depend on it.");
    m.def("get_num_threads", &get_num_threads);
    m.def("max_num_threads", &max_num_threads);
    m.def("workspace_cached_bytes", &workspace_cached_bytes);
    m.def("workspace_cache_limit", &workspace_cache_limit);
    m.def("set_workspace_cache_limit", &set_workspace_cache_limit, py::arg("bytes"));
    m.def("version", &version);
    m.def("compiler", &compiler);
    m.def("has_openmp", &has_openmp);
    m.def("simd_level", &simd_level);
}

}  // namespace tconv1d::python
