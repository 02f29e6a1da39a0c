// The four passes (R3) against a scatter-form loop nest written here from the
// spec text, against the library's reference, and against the adjoint
// identity <forward(x), y> = <x, backward_data(y)>. Shapes are randomized,
// views are permuted and reversed, and results must not depend on the thread
// count.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "check.hpp"
#include "kernel_body.hpp"
#include "tconv1d/tconv1d.hpp"
#include "tensors.hpp"

using namespace tconv1d;

namespace {

struct Case {
    std::int64_t batch, channels, filters, filter_size, stride, length;
    CroppingSpec cropping;
};

// R3.1 in its literal scatter form, in long double.
std::vector<long double> scatter_forward(const Case& cs, const Geometry& g, const std::vector<double>& x,
                                         const std::vector<double>& w, const std::vector<double>& b) {
    const auto N = cs.batch, C = cs.channels, K = cs.filters, F = cs.filter_size, L = cs.length;
    std::vector<long double> y(std::size_t(N * K * g.out_length));
    std::vector<long double> full(std::size_t(g.full_length));
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t k = 0; k < K; ++k) {
            std::fill(full.begin(), full.end(), 0.0L);
            for (std::int64_t c = 0; c < C; ++c)
                for (std::int64_t i = 0; i < L; ++i)
                    for (std::int64_t f = 0; f < F; ++f)
                        full[std::size_t(i * cs.stride + f)] +=
                            (long double)w[std::size_t((f * K + k) * C + c)] *
                            x[std::size_t((n * C + c) * L + i)];
            for (std::int64_t t = 0; t < g.out_length; ++t) {
                const std::int64_t j = t + g.crop_left;
                y[std::size_t((n * K + k) * g.out_length + t)] =
                    b[std::size_t(k)] + (j < g.full_length ? full[std::size_t(j)] : 0.0L);
            }
        }
    return y;
}

// The same logical (N, C, L) tensor stored as (L, N, C) with the length axis
// reversed: exercises permuted and negative strides.
template <class T>
DataView<T> reversed_view(std::vector<T>& storage, const std::vector<double>& values, std::int64_t N,
                          std::int64_t C, std::int64_t L) {
    storage.assign(std::size_t(N * C * L), T(0));
    DataView<T> v;
    v.data = storage.data() + (L - 1) * N * C;
    v.batch_outer = N;
    v.batch_outer_stride = C;
    v.channels = C;
    v.channel_stride = 1;
    v.length = L;
    v.length_stride = -N * C;
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t c = 0; c < C; ++c)
            for (std::int64_t i = 0; i < L; ++i) v.at(n, c, i) = T(values[std::size_t((n * C + c) * L + i)]);
    return v;
}

template <class T>
WeightsView<T> weights_view(T* data, std::int64_t F, std::int64_t K, std::int64_t C) {
    return {data, F, K, C, K * C, C, 1};
}

template <class T>
void run_case(const Case& cs, std::mt19937_64& rng) {
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    const Geometry g = resolve_geometry(cs.length, cs.filter_size, cs.stride, cs.cropping);
    const auto N = cs.batch, C = cs.channels, K = cs.filters, F = cs.filter_size, L = cs.length;
    const auto Lo = g.out_length;
    std::uniform_real_distribution<double> u(-1, 1);
    auto draw = [&](std::int64_t n) {
        std::vector<double> v(static_cast<std::size_t>(n));
        for (auto& e : v) e = double(T(u(rng)));  // representable in T
        return v;
    };
    const auto xd = draw(N * C * L), wd = draw(F * K * C), bd = draw(K), dyd = draw(N * K * Lo);
    auto cast = [](const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); };
    auto widen = [](const std::vector<T>& v) { return std::vector<double>(v.begin(), v.end()); };
    const auto x = cast(xd), w = cast(wd), b = cast(bd), dy = cast(dyd);

    const auto xv = contiguous_view(x.data(), N, C, L);
    const auto wv = weights_view(w.data(), F, K, C);
    const BiasView<const T> bv{b.data(), K, 1};
    const auto dyv = contiguous_view(dy.data(), N, K, Lo);

    // Forward against the scatter form; the reference agrees too.
    std::vector<T> y(std::size_t(N * K * Lo)), y_ref(y.size());
    forward<T>(xv, wv, bv, g, contiguous_view(y.data(), N, K, Lo));
    reference::forward<T>(xv, wv, bv, g, contiguous_view(y_ref.data(), N, K, Lo));
    const auto want = scatter_forward(cs, g, xd, wd, bd);
    CHECK(rel_error(want, widen(y)) < tol);
    CHECK(rel_error(want, widen(y_ref)) < tol);

    // Backward-data by the adjoint identity <C^T x, dy> = <x, C dy> (bias-free).
    std::vector<T> dx(std::size_t(N * C * L));
    backward_data<T>(dyv, wv, g, contiguous_view(dx.data(), N, C, L));
    const std::vector<double> zero_bias(static_cast<std::size_t>(K), 0.0);
    const auto y_nobias = scatter_forward(cs, g, xd, wd, zero_bias);
    long double lhs = 0, rhs = 0, scale = 0;
    for (std::size_t i = 0; i < y_nobias.size(); ++i) {
        lhs += y_nobias[i] * dyd[i];
        scale += std::fabs(y_nobias[i] * dyd[i]);
    }
    for (std::size_t i = 0; i < dx.size(); ++i) rhs += (long double)xd[i] * dx[i];
    CHECK(double(std::fabs(lhs - rhs)) <= tol * double(scale) + 1e-300);

    // Backward-weights: <dW, V> equals <forward_V(x), dy> for any V, and
    // backward-bias equals the sum of dy, both against the scatter form.
    std::vector<T> dw(std::size_t(F * K * C)), db(static_cast<std::size_t>(K));
    backward_weights<T>(xv, dyv, g, weights_view(dw.data(), F, K, C));
    backward_bias<T>(dyv, BiasView<T>{db.data(), K, 1});
    const auto vd = draw(F * K * C);
    const auto yv = scatter_forward(cs, g, xd, vd, zero_bias);
    long double lhs_w = 0, rhs_w = 0, scale_w = 0;
    for (std::size_t i = 0; i < yv.size(); ++i) {
        lhs_w += yv[i] * dyd[i];
        scale_w += std::fabs(yv[i] * dyd[i]);
    }
    for (std::size_t i = 0; i < dw.size(); ++i) rhs_w += (long double)vd[i] * dw[i];
    CHECK(double(std::fabs(lhs_w - rhs_w)) <= tol * double(scale_w) + 1e-300);
    for (std::int64_t k = 0; k < K; ++k) {
        long double sum = 0, abs_sum = 0;
        for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t t = 0; t < Lo; ++t) {
                sum += dyd[std::size_t((n * K + k) * Lo + t)];
                abs_sum += std::fabs(dyd[std::size_t((n * K + k) * Lo + t)]);
            }
        CHECK(std::fabs(double(sum) - double(db[std::size_t(k)])) <= tol * double(abs_sum) + 1e-300);
    }

    // Permuted, reversed views give the same numbers as contiguous ones.
    std::vector<T> xs, ys, dys, dxs;
    const auto xr = reversed_view<T>(xs, xd, N, C, L);
    auto yr = reversed_view<T>(ys, std::vector<double>(std::size_t(N * K * Lo), 0.0), N, K, Lo);
    forward<T>(
        DataView<const T>{xr.data, xr.batch_outer, xr.batch_inner, xr.batch_outer_stride,
                          xr.batch_inner_stride, xr.channels, xr.channel_stride, xr.length, xr.length_stride},
        wv, bv, g, yr);
    bool same_values = true;
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t k = 0; k < K; ++k)
            for (std::int64_t t = 0; t < Lo; ++t)
                same_values &= yr.at(n, k, t) == y[std::size_t((n * K + k) * Lo + t)];
    CHECK(same_values);

    // Bitwise identical for 1 and 2 threads.
    std::vector<T> y1(y.size()), dw1(dw.size());
    set_num_threads(1);
    forward<T>(xv, wv, bv, g, contiguous_view(y1.data(), N, K, Lo));
    backward_weights<T>(xv, dyv, g, weights_view(dw1.data(), F, K, C));
    set_num_threads(2);
    std::vector<T> y2(y.size()), dw2(dw.size());
    forward<T>(xv, wv, bv, g, contiguous_view(y2.data(), N, K, Lo));
    backward_weights<T>(xv, dyv, g, weights_view(dw2.data(), F, K, C));
    set_num_threads(0);
    CHECK(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(T)) == 0);
    CHECK(std::memcmp(dw1.data(), dw2.data(), dw1.size() * sizeof(T)) == 0);

    // Called from each thread of the caller's own OpenMP team (thread i of an
    // enclosing region, where a pass's region of one thread runs on the
    // calling thread and must use the workspace of thread 0): the same bits.
    std::vector<T> dx1(dx.size());
    set_num_threads(1);
    backward_data<T>(dyv, wv, g, contiguous_view(dx1.data(), N, C, L));
    constexpr int kTeam = 3;
    for (const int threads : {1, 2}) {
        set_num_threads(threads);
        std::vector<T> y_team(kTeam * y.size()), dx_team(kTeam * dx.size()), dw_team(kTeam * dw.size());
#pragma omp parallel for num_threads(kTeam) schedule(static, 1)
        for (int i = 0; i < kTeam; ++i) {
            forward<T>(xv, wv, bv, g, contiguous_view(y_team.data() + i * y.size(), N, K, Lo));
            backward_data<T>(dyv, wv, g, contiguous_view(dx_team.data() + i * dx.size(), N, C, L));
            backward_weights<T>(xv, dyv, g, weights_view(dw_team.data() + i * dw.size(), F, K, C));
        }
        for (int i = 0; i < kTeam; ++i) {
            CHECK(std::memcmp(y1.data(), y_team.data() + i * y.size(), y1.size() * sizeof(T)) == 0);
            CHECK(std::memcmp(dx1.data(), dx_team.data() + i * dx.size(), dx1.size() * sizeof(T)) == 0);
            CHECK(std::memcmp(dw1.data(), dw_team.data() + i * dw.size(), dw1.size() * sizeof(T)) == 0);
        }
    }
    set_num_threads(0);
}

}  // namespace

int main() {
    if (const int skip = announce_kernel_body()) return skip;
    std::mt19937_64 rng(12345);
    std::vector<Case> cases = {
        {1, 1, 1, 1, 1, 1, CroppingSpec::manual(0, 0)},
        {2, 3, 4, 5, 2, 7, CroppingSpec::manual(1, 3)},
        {3, 4, 5, 11, 4, 9, CroppingSpec::make_same()},
        {2, 3, 2, 2, 5, 4, CroppingSpec::make_same()},   // F < S: bias-only extension
        {1, 2, 3, 3, 3, 1, CroppingSpec::manual(0, 2)},  // L = 1
        {2, 16, 8, 4, 2, 33, CroppingSpec::manual(1, 1)},
    };
    std::uniform_int_distribution<int> d(1, 9);
    for (int r = 0; r < 20; ++r) {
        const std::int64_t F = d(rng), S = d(rng), L = d(rng);
        const std::int64_t full = (L - 1) * S + F;
        const std::int64_t l = std::uniform_int_distribution<std::int64_t>(0, full - 1)(rng);
        const std::int64_t rr = std::uniform_int_distribution<std::int64_t>(0, full - 1 - l)(rng);
        cases.push_back({d(rng) % 3 + 1, d(rng), d(rng), F, S, L,
                         r % 4 == 0 ? CroppingSpec::make_same() : CroppingSpec::manual(l, rr)});
    }
    for (const auto& cs : cases) {
        run_case<float>(cs, rng);
        run_case<double>(cs, rng);
    }
    return check_summary();
}
