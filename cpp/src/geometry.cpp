#include "tconv1d/geometry.hpp"

#include <stdexcept>
#include <string>

#include "checked.hpp"

namespace tconv1d {

namespace {

void require_positive(std::int64_t value, const char* name) {
    if (value < 1)
        throw std::invalid_argument(std::string(name) + " must be a positive integer, got " +
                                    std::to_string(value));
}

void require_nonnegative(std::int64_t value, const char* name) {
    if (value < 0)
        throw std::invalid_argument(std::string(name) + " must be a nonnegative integer, got " +
                                    std::to_string(value));
}

}  // namespace

Geometry resolve_geometry(std::int64_t length, std::int64_t filter_size, std::int64_t stride,
                          const CroppingSpec& cropping) {
    require_positive(length, "input length L");  // R2.4: L = 0 is an error
    require_positive(filter_size, "FilterSize");
    require_positive(stride, "Stride");

    Geometry g;
    g.length = length;
    g.filter_size = filter_size;
    g.stride = stride;
    // R2.1: Lfull = (L - 1) * S + F
    g.full_length = checked_add(checked_mul(length - 1, stride, "(L - 1) * Stride"), filter_size,
                                "(L - 1) * Stride + FilterSize");

    if (cropping.same) {
        // R2.3: the output is L * S; the extra element of an odd crop total goes right.
        g.out_length = checked_mul(length, stride, "L * Stride");
        const std::int64_t total = filter_size - stride;
        if (total >= 0) {
            g.crop_left = total / 2;
            g.crop_right = total - g.crop_left;
        } else {
            g.extension = -total;  // F < S: nothing cropped, S - F bias-only elements appended
        }
        return g;
    }

    require_nonnegative(cropping.left, "Cropping left");
    require_nonnegative(cropping.right, "Cropping right");
    g.crop_left = cropping.left;
    g.crop_right = cropping.right;
    // Compare without forming l + r, which could overflow for huge crops.
    if (cropping.left >= g.full_length || cropping.right >= g.full_length - cropping.left)
        throw std::invalid_argument(
            "Cropping [" + std::to_string(cropping.left) + " " + std::to_string(cropping.right) +
            "] leaves no output: (L - 1) * S + F - l - r < 1 with L = " + std::to_string(length) +
            ", F = " + std::to_string(filter_size) + ", S = " + std::to_string(stride) +
            ", l = " + std::to_string(cropping.left) + ", r = " + std::to_string(cropping.right));
    g.out_length = g.full_length - cropping.left - cropping.right;
    return g;
}

std::int64_t output_length(std::int64_t length, std::int64_t filter_size, std::int64_t stride,
                           const CroppingSpec& cropping) {
    return resolve_geometry(length, filter_size, stride, cropping).out_length;
}

}  // namespace tconv1d
