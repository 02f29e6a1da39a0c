// Internal: checks that the views handed to a pass agree with each other and
// with the geometry. Every mismatch is a std::invalid_argument naming it.
#pragma once

#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::detail {

template <class T>
void validate_input(const DataView<T>& x, const char* name, const Geometry& g);
template <class T>
void validate_output(const DataView<T>& y, const char* name, const Geometry& g);
template <class T>
void validate_weights(const WeightsView<T>& w, const char* name, const Geometry& g);
template <class T>
void validate_bias(const BiasView<T>& b, const char* name, std::int64_t num_filters);
template <class T>
void validate_data(const DataView<T>& v, const char* name);
void validate_same_batch(std::int64_t a, const char* name_a, std::int64_t b, const char* name_b);
void validate_channels(std::int64_t have, const char* name, std::int64_t want, const char* what);

}  // namespace tconv1d::detail
