// Which compiled body of the micro-kernels (cpu/isa/microkernel_body.inc) the
// passes run: chosen once, at first use, from the CPU's features, or forced by
// TCONV1D_ISA=portable|baseline|avx2|avx512 (an unknown name or a body this build or CPU
// cannot run is an error, never a silent fallback).
#include "cpu/isa.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cpu/kernels.hpp"

namespace tconv1d::cpu {

namespace {

struct Body {
    const MicroKernels<float>* f;
    const MicroKernels<double>* d;
};

struct Choice {
    Body body{nullptr, nullptr};
    std::string error;         // non-empty when TCONV1D_ISA asks for something unusable
    bool unsupported = false;  // the set is known but this CPU lacks it
};

bool cpu_has(const std::string& name) {
    if (name == "portable" || name == "baseline") return true;  // plain C++ / the target's baseline
#ifdef TCONV1D_HAVE_X86_BODIES
    __builtin_cpu_init();
    if (name == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (name == "avx512")
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    return false;
}

Body body_named(const std::string& name) {
#ifdef TCONV1D_HAVE_X86_BODIES
    if (name == "avx512") return {&avx512::kernels_float, &avx512::kernels_double};
    if (name == "avx2") return {&avx2::kernels_float, &avx2::kernels_double};
#endif
#ifdef TCONV1D_HAVE_VECTOR_BODIES
    if (name == "baseline") return {&baseline::kernels_float, &baseline::kernels_double};
#endif
    (void)name;
    return {&portable::kernels_float, &portable::kernels_double};
}

bool is_compiled(const std::string& name) {
#ifdef TCONV1D_HAVE_X86_BODIES
    if (name == "avx2" || name == "avx512") return true;
#endif
#ifdef TCONV1D_HAVE_VECTOR_BODIES
    if (name == "baseline") return true;
#endif
    return name == "portable";
}

Choice choose() {
    Choice c;
    const char* env = std::getenv("TCONV1D_ISA");
    if (env != nullptr && *env != '\0') {
        const std::string want(env);
        if (want != "portable" && want != "baseline" && want != "avx2" && want != "avx512") {
            c.error = "TCONV1D_ISA='" + want + "' is not one of portable, baseline, avx2, avx512";
        } else if (!is_compiled(want)) {
            c.unsupported = true;
            c.error = "TCONV1D_ISA='" + want + "': this build has no " + want + " kernels";
        } else if (!cpu_has(want)) {
            c.unsupported = true;
            c.error = "TCONV1D_ISA='" + want + "': not supported by this CPU";
        } else {
            c.body = body_named(want);
        }
        return c;
    }
    for (const char* name : {"avx512", "avx2", "baseline", "portable"})
        if (is_compiled(name) && cpu_has(name)) {
            c.body = body_named(name);
            break;
        }
    return c;
}

const Body& body() {
    static const Choice choice = choose();
    if (!choice.error.empty()) {
        if (choice.unsupported) throw std::runtime_error(choice.error);
        throw std::invalid_argument(choice.error);
    }
    return choice.body;
}

}  // namespace

template <>
const MicroKernels<float>& kernels<float>() {
    return *body().f;
}
template <>
const MicroKernels<double>& kernels<double>() {
    return *body().d;
}

const char* isa_name() { return kernels<float>().name; }

}  // namespace tconv1d::cpu
