// Geometry (R2) against the formulas written out by hand.
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "check.hpp"
#include "tconv1d/geometry.hpp"

using tconv1d::CroppingSpec;
using tconv1d::resolve_geometry;

int main() {
    // R2.1 / R2.2: Lfull = (L-1)S + F, then minus l and r.
    CHECK(tconv1d::output_length(5, 3, 2, CroppingSpec::manual(0, 0)) == 11);
    CHECK(tconv1d::output_length(5, 3, 2, CroppingSpec::manual(1, 2)) == 8);
    CHECK(tconv1d::output_length(1, 1, 7, CroppingSpec::manual(0, 0)) == 1);

    // R2.3: same, even total (F - S = 4): [2 2].
    auto g = resolve_geometry(10, 6, 2, CroppingSpec::make_same());
    CHECK(g.out_length == 20 && g.crop_left == 2 && g.crop_right == 2 && g.extension == 0);
    // Odd total (11 - 4 = 7): the extra element is cropped on the right: [3 4].
    g = resolve_geometry(256, 11, 4, CroppingSpec::make_same());
    CHECK(g.out_length == 1024 && g.crop_left == 3 && g.crop_right == 4);
    // Zero total.
    g = resolve_geometry(3, 2, 2, CroppingSpec::make_same());
    CHECK(g.out_length == 6 && g.crop_left == 0 && g.crop_right == 0 && g.extension == 0);
    // Negative total (F < S): nothing cropped, S - F bias-only elements appended.
    g = resolve_geometry(3, 2, 5, CroppingSpec::make_same());
    CHECK(g.out_length == 15 && g.full_length == 12 && g.crop_left == 0 && g.extension == 3);

    // Errors: R2.2 (no output), R2.4 (L = 0), bad sizes, negative crops.
    CHECK_THROWS(std::invalid_argument, resolve_geometry(2, 3, 1, CroppingSpec::manual(2, 2)));
    CHECK_THROWS(std::invalid_argument, resolve_geometry(0, 3, 1, CroppingSpec::manual(0, 0)));
    CHECK_THROWS(std::invalid_argument, resolve_geometry(4, 0, 1, CroppingSpec::manual(0, 0)));
    CHECK_THROWS(std::invalid_argument, resolve_geometry(4, 3, 0, CroppingSpec::manual(0, 0)));
    CHECK_THROWS(std::invalid_argument, resolve_geometry(4, 3, 1, CroppingSpec::manual(-1, 0)));
    // A crop total that would overflow l + r is still a clean "no output".
    const auto big = std::numeric_limits<std::int64_t>::max();
    CHECK_THROWS(std::invalid_argument, resolve_geometry(4, 3, 1, CroppingSpec::manual(1, big)));

    // R2.5: overflow is reported, never wrapped.
    CHECK_THROWS(std::overflow_error, resolve_geometry(big, 3, 2, CroppingSpec::manual(0, 0)));
    CHECK_THROWS(std::overflow_error, resolve_geometry(big / 2 + 2, 1, 2, CroppingSpec::make_same()));
    CHECK_THROWS(std::overflow_error, resolve_geometry(2, big, 1, CroppingSpec::manual(0, 0)));
    // The largest representable result is fine.
    CHECK(tconv1d::output_length(1, big, 1, CroppingSpec::manual(0, 0)) == big);

    return check_summary();
}
