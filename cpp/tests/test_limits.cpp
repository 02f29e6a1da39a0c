// Sizes at the edge through the C++ API (SPEC R2.5, R7.3, R8): strides and
// crops near 2^63 against a gather-form oracle in long double (one output at a
// time, so the full length never has to exist), for the fast passes and the
// reference; unaligned data refused; the thread cap; the workspace cache and
// the bound on a call's workspace.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "tconv1d/tconv1d.hpp"
#include "tensors.hpp"

using namespace tconv1d;
using std::int64_t;

namespace {

struct Data {
    int64_t N, C, K, F, S, L;
    Geometry g;
    std::vector<double> x, w, b, dy;
};

Data make(int64_t N, int64_t C, int64_t K, int64_t F, int64_t S, int64_t L, CroppingSpec crop,
          std::mt19937_64& rng) {
    Data d{N, C, K, F, S, L, resolve_geometry(L, F, S, crop), {}, {}, {}, {}};
    std::uniform_real_distribution<double> u(-1, 1);
    auto draw = [&](int64_t n) {
        std::vector<double> v(static_cast<std::size_t>(n));
        for (auto& e : v) e = u(rng);
        return v;
    };
    d.x = draw(N * C * L);
    d.w = draw(F * K * C);
    d.b = draw(K);
    d.dy = draw(N * K * d.g.out_length);
    return d;
}

// Full position j = t + l collects W[f] x[i] for i*S + f = j; the division is
// exact integer arithmetic, with no product that could overflow.
std::vector<long double> gather_forward(const Data& d) {
    const auto& g = d.g;
    std::vector<long double> y(std::size_t(d.N * d.K * g.out_length));
    for (int64_t n = 0; n < d.N; ++n)
        for (int64_t k = 0; k < d.K; ++k)
            for (int64_t t = 0; t < g.out_length; ++t) {
                long double s = d.b[std::size_t(k)];
                const int64_t j = t + g.crop_left;
                for (int64_t f = 0; f < d.F && j < g.full_length; ++f) {
                    if (j < f || (j - f) % d.S != 0) continue;
                    const int64_t i = (j - f) / d.S;
                    if (i >= d.L) continue;
                    for (int64_t c = 0; c < d.C; ++c)
                        s += (long double)d.w[std::size_t((f * d.K + k) * d.C + c)] *
                             d.x[std::size_t((n * d.C + c) * d.L + i)];
                }
                y[std::size_t((n * d.K + k) * g.out_length + t)] = s;
            }
    return y;
}

// Backward: (i, f) meets dy at t = i*S + f - l when 0 <= t < out_length. For
// i >= 1, i*S can exceed 2^63 only when t could not be kept anyway.
void gather_backward(const Data& d, std::vector<long double>& dx, std::vector<long double>& dw) {
    const auto& g = d.g;
    dx.assign(d.x.size(), 0.0L);
    dw.assign(d.w.size(), 0.0L);
    for (int64_t i = 0; i < d.L; ++i)
        for (int64_t f = 0; f < d.F; ++f) {
            if (i > 0 && d.S > (g.full_length - f) / i) continue;  // i*S + f beyond Lfull
            const int64_t t = i * d.S + f - g.crop_left;
            if (t < 0 || t >= g.out_length) continue;
            for (int64_t n = 0; n < d.N; ++n)
                for (int64_t k = 0; k < d.K; ++k) {
                    const long double dyv = d.dy[std::size_t((n * d.K + k) * g.out_length + t)];
                    for (int64_t c = 0; c < d.C; ++c) {
                        dx[std::size_t((n * d.C + c) * d.L + i)] +=
                            dyv * d.w[std::size_t((f * d.K + k) * d.C + c)];
                        dw[std::size_t((f * d.K + k) * d.C + c)] +=
                            dyv * d.x[std::size_t((n * d.C + c) * d.L + i)];
                    }
                }
        }
}

template <class T>
void check_case(int64_t N, int64_t C, int64_t K, int64_t F, int64_t S, int64_t L, CroppingSpec crop,
                std::mt19937_64& rng) {
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    const Data d = make(N, C, K, F, S, L, crop, rng);
    const int64_t Lo = d.g.out_length;
    const std::vector<T> x(d.x.begin(), d.x.end()), w(d.w.begin(), d.w.end()), b(d.b.begin(), d.b.end()),
        dy(d.dy.begin(), d.dy.end());
    const WeightsView<const T> wv{w.data(), F, K, C, K * C, C, 1};
    const BiasView<const T> bv{b.data(), K, 1};
    std::vector<long double> want_dx, want_dw;
    gather_backward(d, want_dx, want_dw);
    const auto want_y = gather_forward(d);
    for (const bool fast : {true, false}) {
        std::vector<T> y(std::size_t(N * K * Lo)), dx(x.size()), dw(w.size());
        const auto xv = contiguous_view(x.data(), N, C, L), dyv = contiguous_view(dy.data(), N, K, Lo);
        const auto yv = contiguous_view(y.data(), N, K, Lo), dxv = contiguous_view(dx.data(), N, C, L);
        const WeightsView<T> dwv{dw.data(), F, K, C, K * C, C, 1};
        if (fast) {
            forward<T>(xv, wv, bv, d.g, yv);
            backward_data<T>(dyv, wv, d.g, dxv);
            backward_weights<T>(xv, dyv, d.g, dwv);
        } else {
            reference::forward<T>(xv, wv, bv, d.g, yv);
            reference::backward_data<T>(dyv, wv, d.g, dxv);
            reference::backward_weights<T>(xv, dyv, d.g, dwv);
        }
        CHECK(rel_error(want_y, y) < tol);
        CHECK(rel_error(want_dx, dx) < tol);
        CHECK(rel_error(want_dw, dw) < tol);
    }
}

void huge_strides() {
    std::mt19937_64 rng(11);
    const int64_t big = INT64_MAX;
    // The cases that crashed or hung before: SIGFPE, SIGSEGV, a hang.
    check_case<double>(1, 8, 1, 1, int64_t(1) << 61, 2, CroppingSpec::manual(int64_t(1) << 61, 0), rng);
    check_case<float>(13, 66, 63, 13, int64_t(1) << 59, 2, CroppingSpec::manual(int64_t(1) << 59, 0), rng);
    check_case<double>(1, 8, 1, 1, (int64_t(1) << 61) + 1, 2, CroppingSpec::manual((int64_t(1) << 61) + 1, 0),
                       rng);
    // The largest stride, with one input; crops reaching 2^62 from either side.
    check_case<double>(2, 3, 4, 5, big, 1, CroppingSpec::manual(2, 1), rng);
    check_case<float>(2, 3, 2, 4, int64_t(1) << 62, 2, CroppingSpec::manual(1, int64_t(1) << 62), rng);
    check_case<double>(2, 5, 3, 7, int64_t(1) << 40, 3,
                       CroppingSpec::manual((int64_t(1) << 40) + 3, (int64_t(1) << 40) - 2), rng);
    // Random strides far beyond the filter, crops leaving a few outputs.
    std::uniform_int_distribution<int64_t> stride(int64_t(1) << 20, int64_t(1) << 61);
    for (int trial = 0; trial < 40; ++trial) {
        const int64_t S = stride(rng), F = 1 + int64_t(rng() % 9), L = 1 + int64_t(rng() % 4);
        const int64_t full = (L - 1) * S + F;
        const int64_t left = int64_t(rng() % std::uint64_t(full));
        const int64_t keep = 1 + int64_t(rng() % std::uint64_t(std::min<int64_t>(40, full - left)));
        check_case<double>(2, 3, 2, F, S, L, CroppingSpec::manual(left, full - left - keep), rng);
    }
    // (L - 1) * S + F beyond 64 bits is an overflow_error, never a wrap.
    CHECK_THROWS(std::overflow_error, resolve_geometry(3, 2, int64_t(1) << 62, CroppingSpec::manual(0, 0)));
}

void unaligned_data_is_refused() {
    std::vector<double> storage(64, 1.0);
    const Geometry g = resolve_geometry(4, 2, 1, CroppingSpec::manual(0, 0));
    auto* bytes = reinterpret_cast<unsigned char*>(storage.data());
    const DataView<const double> x = contiguous_view(reinterpret_cast<const double*>(bytes + 1), 1, 1, 4);
    const WeightsView<const double> w{storage.data() + 16, 2, 1, 1, 1, 1, 1};
    std::vector<double> y(5);
    CHECK_THROWS(std::invalid_argument, forward<double>(x, w, {}, g, contiguous_view(y.data(), 1, 1, 5)));
}

void views_beyond_64_bit_offsets_are_refused() {
    std::vector<double> storage(64, 1.0), y(5);
    const Geometry g = resolve_geometry(4, 2, 1, CroppingSpec::manual(0, 0));
    DataView<const double> x = contiguous_view<const double>(storage.data(), 1, 1, 4);
    const WeightsView<const double> w{storage.data() + 16, 2, 1, 1, 1, 1, 1};
    x.batch_outer = 3;
    x.batch_outer_stride = INT64_MAX / 2;  // offset 2 * (2^62) overflows
    CHECK_THROWS(std::overflow_error, forward<double>(x, w, {}, g, contiguous_view(y.data(), 3, 1, 5)));
    x = contiguous_view<const double>(storage.data(), 1, 1, 4);
    x.length_stride = INT64_MIN;
    CHECK_THROWS(std::overflow_error, forward<double>(x, w, {}, g, contiguous_view(y.data(), 1, 1, 5)));
}

void thread_cap_and_workspace_cache() {
    CHECK(max_num_threads() >= 4);
    CHECK_THROWS(std::invalid_argument, set_num_threads(max_num_threads() + 1));
    CHECK_THROWS(std::invalid_argument, set_num_threads(-1));
    CHECK_THROWS(std::invalid_argument, set_workspace_cache_limit(-1));
    CHECK(get_num_threads() >= 1 && get_num_threads() <= max_num_threads());

    // A call's workspace: at most its inputs and outputs, plus a tile set per
    // thread and the pieces' padding (runtime.hpp, SPEC R8.3).
    const int64_t N = 8, C = 96, K = 64, F = 9, S = 3, L = 300;
    const Geometry g = resolve_geometry(L, F, S, CroppingSpec::make_same());
    std::vector<float> x(std::size_t(N * C * L), 1.0f), w(std::size_t(F * K * C), 1.0f),
        y(std::size_t(N * K * g.out_length)), dx(x.size()), dw(w.size());
    const WeightsView<const float> wv{w.data(), F, K, C, K * C, C, 1};
    const WeightsView<float> dwv{dw.data(), F, K, C, K * C, C, 1};
    const auto xv = contiguous_view<const float>(x.data(), N, C, L);
    const auto yv = contiguous_view(y.data(), N, K, g.out_length);
    const auto dyv = contiguous_view<const float>(y.data(), N, K, g.out_length);
    const std::int64_t allowance = 65536 + get_num_threads() * 3072 + 4 * 1152;  // R8.3
    const std::int64_t io = std::int64_t(x.size() + y.size() + w.size()) * 4;
    auto workspace_of = [](auto call) {
        set_workspace_cache_limit(0);
        set_workspace_cache_limit(std::int64_t(1) << 40);
        call();
        return workspace_cached_bytes();
    };
    // A forward with filters longer than the stride may run split in three
    // (R8.5): its block and its three sub-passes' together within three
    // times the bound (R8.3); one with F <= S within the bound itself.
    CHECK(workspace_of([&] { forward<float>(xv, wv, {}, g, yv); }) <= 3 * (io + allowance));
    const int64_t Fs = S;
    const Geometry gs = resolve_geometry(L, Fs, S, CroppingSpec::make_same());
    std::vector<float> ys(std::size_t(N * K * gs.out_length));
    const WeightsView<const float> wsv{w.data(), Fs, K, C, K * C, C, 1};
    const std::int64_t io_s = std::int64_t(x.size() + ys.size() + std::size_t(Fs * K * C)) * 4;
    CHECK(workspace_of([&] {
              forward<float>(xv, wsv, {}, gs, contiguous_view(ys.data(), N, K, gs.out_length));
          }) <= io_s + allowance);
    CHECK(workspace_of([&] { backward_data<float>(dyv, wv, g, contiguous_view(dx.data(), N, C, L)); }) <=
          io + allowance);
    CHECK(workspace_of([&] { backward_weights<float>(xv, dyv, g, dwv); }) <= io + allowance);
    CHECK(workspace_cached_bytes() > 0);
    set_workspace_cache_limit(0);
    CHECK(workspace_cached_bytes() == 0);
    CHECK(workspace_cache_limit() == 0);
    set_workspace_cache_limit(std::int64_t(256) << 20);
}

// Result memory (runtime.hpp): reused when released, only by a request it
// fits within an eighth, counted against the cache limit, refused past memory.
void result_memory() {
    set_workspace_cache_limit(0);
    set_workspace_cache_limit(std::int64_t(256) << 20);
    const ResultMemory none = acquire_result_memory(0);
    CHECK(none.data == nullptr && none.bytes == 0);
    release_result_memory(none);
    CHECK_THROWS(std::bad_alloc, acquire_result_memory(std::size_t(-1) / 2 + 1));

    const std::size_t mib = std::size_t(1) << 20;
    const ResultMemory first = acquire_result_memory(2 * mib);
    CHECK(first.data != nullptr && first.bytes >= 2 * mib);
    static_cast<char*>(first.data)[2 * mib - 1] = 1;  // the whole block is writable
    release_result_memory(first);
    CHECK(workspace_cached_bytes() == std::int64_t(first.bytes));
    const ResultMemory again = acquire_result_memory(2 * mib - 4096);  // fits within an eighth
    CHECK(again.data == first.data);
    CHECK(workspace_cached_bytes() == 0);
    release_result_memory(again);
    const ResultMemory smaller = acquire_result_memory(mib);  // would waste half: a new block
    CHECK(smaller.data != first.data);
    CHECK(workspace_cached_bytes() == std::int64_t(first.bytes));
    release_result_memory(smaller);
    set_workspace_cache_limit(0);
    CHECK(workspace_cached_bytes() == 0);
    const ResultMemory unkept = acquire_result_memory(mib);
    release_result_memory(unkept);
    CHECK(workspace_cached_bytes() == 0);
    set_workspace_cache_limit(std::int64_t(256) << 20);
}

}  // namespace

int main() {
    huge_strides();
    unaligned_data_is_refused();
    views_beyond_64_bit_offsets_are_refused();
    thread_cap_and_workspace_cache();
    result_memory();
    return check_summary();
}
