// Internal: the micro-kernels of the body chosen for this CPU (cpu/isa.cpp).
#pragma once

#include "cpu/microkernel.hpp"

namespace tconv1d::cpu {

// The table of the chosen body for T. Throws std::invalid_argument for an
// unknown TCONV1D_ISA value and std::runtime_error for a body this build or
// CPU cannot run.
template <class T>
const MicroKernels<T>& kernels();

}  // namespace tconv1d::cpu
