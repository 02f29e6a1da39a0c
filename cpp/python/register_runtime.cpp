#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "tconv1d/runtime.hpp"

namespace py = pybind11;

namespace tconv1d::python {

namespace {

// An uninitialized array of `shape` and `dtype` whose memory is the library's
// result memory (runtime.hpp): when NumPy frees the array, the block goes back
// to the cache for the next call's result.
py::array result_array(const std::vector<py::ssize_t>& shape, const py::dtype& dtype) {
    std::size_t bytes = std::size_t(dtype.itemsize());
    for (const py::ssize_t extent : shape) {
        if (extent < 0) throw py::value_error("result_array: negative extent");
        if (extent != 0 && bytes > std::size_t(std::numeric_limits<py::ssize_t>::max()) / std::size_t(extent))
            throw std::bad_alloc();
        bytes *= std::size_t(extent);
    }
    if (bytes == 0) return {dtype, shape, std::vector<py::ssize_t>{}};
    auto memory = std::make_unique<ResultMemory>(acquire_result_memory(bytes));
    void* data = memory->data;
    const py::capsule owner(memory.get(), [](void* p) {
        const std::unique_ptr<ResultMemory> held(static_cast<ResultMemory*>(p));
        release_result_memory(*held);
    });
    memory.release();  // NOLINT(bugprone-unused-return-value): the capsule owns it now
    return {dtype, shape, std::vector<py::ssize_t>{}, data, owner};
}

}  // namespace

void register_runtime(py::module_& m) {
    m.def("set_num_threads", &set_num_threads, py::arg("num_threads"),
          "Threads for the CPU passes; 0 restores OpenMP's default. Results do not depend on it.");
    m.def("get_num_threads", &get_num_threads);
    m.def("max_num_threads", &max_num_threads);
    m.def("workspace_cached_bytes", &workspace_cached_bytes);
    m.def("workspace_cache_limit", &workspace_cache_limit);
    m.def("set_workspace_cache_limit", &set_workspace_cache_limit, py::arg("bytes"));
    m.def("result_array", &result_array, py::arg("shape"), py::arg("dtype"),
          "An uninitialized array in the library's cached result memory.");
    m.def("version", &version);
    m.def("compiler", &compiler);
    m.def("has_openmp", &has_openmp);
    m.def("simd_level", &simd_level);
}

}  // namespace tconv1d::python
