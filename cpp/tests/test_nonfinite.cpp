// Inf and NaN (R3.6): every pass must give what IEEE arithmetic gives on the
// spec's own terms, R3.1's products for forward and R3.3's sums over the
// zero-re-padded dy for the backward passes, where a non-finite value times a
// padding zero is NaN. The expectation is evaluated here, term by term in long
// double, from the spec text; the class of each element (NaN, +Inf, -Inf,
// finite) must match, and finite elements agree to the accuracy of R3.5. The
// library's passes and its reference loop nests are both checked.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "check.hpp"
#include "kernel_body.hpp"
#include "tconv1d/tconv1d.hpp"

using namespace tconv1d;

namespace {

using Vec = std::vector<long double>;

struct Shape {
    std::int64_t N, C, K, F, S, L;
    CroppingSpec cropping;
};

// The index helpers of (N, C, L) data and F x K x C weights, all contiguous.
struct Index {
    std::int64_t N, C, K, F, L, Lo;
    std::size_t x(std::int64_t n, std::int64_t c, std::int64_t i) const {
        return std::size_t((n * C + c) * L + i);
    }
    std::size_t y(std::int64_t n, std::int64_t k, std::int64_t t) const {
        return std::size_t((n * K + k) * Lo + t);
    }
    std::size_t w(std::int64_t f, std::int64_t k, std::int64_t c) const {
        return std::size_t((f * K + k) * C + c);
    }
};

struct Expected {
    Vec y, dx, dw;
};

Expected literal(const Shape& s, const Geometry& g, const Vec& x, const Vec& w, const Vec& dy) {
    const Index at{s.N, s.C, s.K, s.F, s.L, g.out_length};
    Expected e{Vec(std::size_t(s.N * s.K * g.out_length)), Vec(x.size()), Vec(w.size())};
    // dy_full: dy inside the kept window, zero in the cropped margins.
    auto dy_full = [&](std::int64_t n, std::int64_t k, std::int64_t j) -> long double {
        const std::int64_t t = j - g.crop_left;
        return t >= 0 && t < g.out_length ? dy[at.y(n, k, t)] : 0.0L;
    };
    for (std::int64_t n = 0; n < s.N; ++n)
        for (std::int64_t k = 0; k < s.K; ++k) {
            Vec full(std::size_t(g.full_length), 0.0L);  // R3.1's yfull, products only
            for (std::int64_t c = 0; c < s.C; ++c)
                for (std::int64_t i = 0; i < s.L; ++i)
                    for (std::int64_t f = 0; f < s.F; ++f)
                        full[std::size_t(i * s.S + f)] += w[at.w(f, k, c)] * x[at.x(n, c, i)];
            for (std::int64_t t = 0; t < g.out_length; ++t) {
                const std::int64_t j = t + g.crop_left;
                e.y[at.y(n, k, t)] = j < g.full_length ? full[std::size_t(j)] : 0.0L;
            }
        }
    for (std::int64_t n = 0; n < s.N; ++n)
        for (std::int64_t c = 0; c < s.C; ++c)
            for (std::int64_t i = 0; i < s.L; ++i)
                for (std::int64_t f = 0; f < s.F; ++f)
                    for (std::int64_t k = 0; k < s.K; ++k) {
                        const long double d = dy_full(n, k, i * s.S + f);
                        e.dx[at.x(n, c, i)] += w[at.w(f, k, c)] * d;
                        e.dw[at.w(f, k, c)] += x[at.x(n, c, i)] * d;
                    }
    return e;
}

// 0 finite, 1 NaN, 2 +Inf, 3 -Inf.
int kind(long double v) { return std::isnan(v) ? 1 : std::isinf(v) ? (v > 0 ? 2 : 3) : 0; }

template <class T>
void compare(const char* what, const Vec& want, const std::vector<T>& got, const Shape& s) {
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    bool same_kind = true;
    long double num = 0, den = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        same_kind &= kind(want[i]) == kind(got[i]);
        if (kind(want[i]) == 0 && kind(got[i]) == 0) {
            num += (want[i] - got[i]) * (want[i] - got[i]);
            den += want[i] * want[i];
        }
    }
    const bool close = std::sqrt(num) <= tol * std::sqrt(den) + 1e-300;
    if (!same_kind || !close)
        std::fprintf(stderr, "%s (%s): N=%lld C=%lld K=%lld F=%lld S=%lld L=%lld\n", what,
                     sizeof(T) == 8 ? "double" : "float", (long long)s.N, (long long)s.C, (long long)s.K,
                     (long long)s.F, (long long)s.S, (long long)s.L);
    CHECK(same_kind);
    CHECK(close);
}

template <class T>
void run(const Shape& s, std::mt19937_64& rng) {
    const Geometry g = resolve_geometry(s.L, s.F, s.S, s.cropping);
    const Index at{s.N, s.C, s.K, s.F, s.L, g.out_length};
    std::uniform_real_distribution<double> u(-1, 1);
    auto draw = [&](std::int64_t n) {
        Vec v(static_cast<std::size_t>(n));
        for (auto& e : v) e = (long double)T(u(rng));
        return v;
    };
    Vec x = draw(s.N * s.C * s.L), w = draw(s.F * s.K * s.C), dy = draw(s.N * s.K * g.out_length);
    // One or two non-finite values in each operand, often at an edge, where
    // they meet the padding.
    const long double specials[] = {std::numeric_limits<long double>::infinity(),
                                    -std::numeric_limits<long double>::infinity(),
                                    std::numeric_limits<long double>::quiet_NaN()};
    std::uniform_int_distribution<int> pick(0, 2), coin(0, 1);
    auto pos = [&](std::int64_t extent) {
        const std::int64_t edge = coin(rng) ? 0 : extent - 1;
        return coin(rng) ? edge : std::uniform_int_distribution<std::int64_t>(0, extent - 1)(rng);
    };
    auto any = [&](std::int64_t extent) {
        return std::uniform_int_distribution<std::int64_t>(0, extent - 1)(rng);
    };
    for (int r = coin(rng); r < 2; ++r) {
        x[at.x(any(s.N), any(s.C), pos(s.L))] = specials[pick(rng)];
        w[at.w(pos(s.F), any(s.K), any(s.C))] = specials[pick(rng)];
        if (coin(rng)) dy[at.y(any(s.N), any(s.K), pos(g.out_length))] = specials[pick(rng)];
    }
    const Expected e = literal(s, g, x, w, dy);

    const std::vector<T> xt(x.begin(), x.end()), wt(w.begin(), w.end()), dyt(dy.begin(), dy.end());
    auto view = [](const T* p, std::int64_t n, std::int64_t c, std::int64_t l) {
        return DataView<const T>{p, n, 1, c * l, 0, c, l, l, 1};
    };
    const WeightsView<const T> wv{wt.data(), s.F, s.K, s.C, s.K * s.C, s.C, 1};
    // The library's passes, then its reference loop nests.
    for (const bool use_reference : {false, true}) {
        std::vector<T> y(e.y.size()), dx(e.dx.size()), dw(e.dw.size());
        const auto xv = view(xt.data(), s.N, s.C, s.L), dyv = view(dyt.data(), s.N, s.K, g.out_length);
        const DataView<T> yv{y.data(), s.N, 1, s.K * g.out_length, 0, s.K, g.out_length, g.out_length, 1};
        const DataView<T> dxv{dx.data(), s.N, 1, s.C * s.L, 0, s.C, s.L, s.L, 1};
        const WeightsView<T> dwv{dw.data(), s.F, s.K, s.C, s.K * s.C, s.C, 1};
        if (use_reference) {
            reference::forward<T>(xv, wv, BiasView<const T>{}, g, yv);
            reference::backward_data<T>(dyv, wv, g, dxv);
            reference::backward_weights<T>(xv, dyv, g, dwv);
        } else {
            forward<T>(xv, wv, BiasView<const T>{}, g, yv);
            backward_data<T>(dyv, wv, g, dxv);
            backward_weights<T>(xv, dyv, g, dwv);
        }
        compare(use_reference ? "reference::forward" : "forward", e.y, y, s);
        compare(use_reference ? "reference::backward_data" : "backward_data", e.dx, dx, s);
        compare(use_reference ? "reference::backward_weights" : "backward_weights", e.dw, dw, s);
    }
}

}  // namespace

int main() {
    if (const int skip = announce_kernel_body()) return skip;
    std::mt19937_64 rng(2026);
    std::vector<Shape> shapes = {
        {2, 3, 4, 5, 2, 7, CroppingSpec::manual(3, 4)},
        {1, 2, 3, 2, 5, 4, CroppingSpec::make_same()},       // F < S: bias-only extension
        {2, 16, 24, 16, 8, 40, CroppingSpec::manual(4, 4)},  // packed kernels, several phases
        {3, 33, 17, 3, 1, 70, CroppingSpec::manual(1, 1)},
        // latent inputs of a few positions under a crop: most inputs meet the
        // padding of some tap (backward-weights scans such items whole)
        {48, 64, 32, 4, 2, 3, CroppingSpec::manual(1, 1)},
        {40, 40, 24, 8, 4, 2, CroppingSpec::make_same()},
    };
    std::uniform_int_distribution<std::int64_t> d(1, 12);
    for (int r = 0; r < 40; ++r) {
        const std::int64_t F = d(rng), S = d(rng) % 5 + 1, L = d(rng) * 3;
        const std::int64_t full = (L - 1) * S + F;
        const std::int64_t l = std::uniform_int_distribution<std::int64_t>(0, (full - 1) / 2)(rng);
        const std::int64_t rr = std::uniform_int_distribution<std::int64_t>(0, (full - 1 - l) / 2)(rng);
        shapes.push_back({d(rng) % 3 + 1, d(rng) * 2, d(rng) * 2, F, S, L,
                          r % 5 == 0 ? CroppingSpec::make_same() : CroppingSpec::manual(l, rr)});
    }
    for (const auto& s : shapes)
        for (int rep = 0; rep < 3; ++rep) {
            run<float>(s, rng);
            run<double>(s, rng);
        }
    return check_summary();
}
