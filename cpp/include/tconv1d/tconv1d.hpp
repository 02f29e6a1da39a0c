// Umbrella header of the tconv1d C++ library.
#pragma once

#include "tconv1d/geometry.hpp"
#include "tconv1d/passes.hpp"
#include "tconv1d/reference.hpp"
#include "tconv1d/runtime.hpp"
#include "tconv1d/stream.hpp"
#include "tconv1d/view.hpp"
