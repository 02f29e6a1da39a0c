// The C API (tconv1d/tconv1d.h): results equal the plain loop nests of
// reference.hpp for all four passes in float and double over strided views,
// and every bad argument comes back as a status with a message naming it
// (no exception crosses the boundary, nothing crashes, the message is per
// thread and cleared by a call that succeeds).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "tconv1d/tconv1d.h"
#include "tconv1d/tconv1d.hpp"
#include "tensors.hpp"

namespace {

bool message_has(const char* part) { return std::strstr(tconv1d_last_error(), part) != nullptr; }

template <class T>
double max_rel_diff(const std::vector<T>& a, const std::vector<T>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num = std::max(num, std::abs(double(a[i]) - double(b[i])));
        den = std::max(den, std::abs(double(b[i])));
    }
    return num / (den > 0 ? den : 1);
}

// A (N, C, L) view of a (C, N, L) buffer: what the C API sees through {N, 1, L, 0, C, N*L, L, 1}.
template <class T>
tconv1d::DataView<T> channels_first_view(T* data, std::int64_t N, std::int64_t C, std::int64_t L) {
    tconv1d::DataView<T> v = contiguous_view(data, N, C, L);
    v.batch_outer_stride = L;
    v.channel_stride = N * L;
    return v;
}

struct Passes32 {
    static constexpr auto forward = tconv1d_forward_f32;
    static constexpr auto backward_data = tconv1d_backward_data_f32;
    static constexpr auto backward_weights = tconv1d_backward_weights_f32;
    static constexpr auto backward_bias = tconv1d_backward_bias_f32;
};
struct Passes64 {
    static constexpr auto forward = tconv1d_forward_f64;
    static constexpr auto backward_data = tconv1d_backward_data_f64;
    static constexpr auto backward_weights = tconv1d_backward_weights_f64;
    static constexpr auto backward_bias = tconv1d_backward_bias_f64;
};

// x is read through a (N, C, L) layout of a (C, N, L) buffer (a permuted
// view); the weights through a (F, K, C) layout of a (K, C, F) buffer.
template <class T, class P>
void passes_equal_reference(std::int64_t N, std::int64_t C, std::int64_t K, std::int64_t F, std::int64_t S,
                            std::int64_t L, tconv1d_cropping crop) {
    const double tol = sizeof(T) == 4 ? 1e-5 : 1e-12;
    std::mt19937 rng(unsigned(N * 1000 + C * 100 + F * 10 + S));
    std::normal_distribution<double> normal;
    auto fill = [&](std::vector<T>& v) {
        for (auto& e : v) e = T(normal(rng));
    };
    tconv1d_geometry g;
    CHECK(tconv1d_resolve_geometry(L, F, S, crop, &g) == TCONV1D_OK);
    const std::int64_t Lo = g.out_length;

    std::vector<T> x(std::size_t(C * N * L)), w(std::size_t(K * C * F)), b(std::size_t(2 * K));
    std::vector<T> dy(std::size_t(N * K * Lo));
    fill(x);
    fill(w);
    fill(b);
    fill(dy);
    const tconv1d_data_layout xl = {N, 1, L, 0, C, N * L, L, 1};
    const tconv1d_weights_layout wl = {F, K, C, 1, C * F, F};
    tconv1d_data_layout yl;
    CHECK(tconv1d_contiguous_data(N, K, Lo, &yl) == TCONV1D_OK);

    // The same views for the C++ reference loop nests.
    const auto xv = channels_first_view<const T>(x.data(), N, C, L);
    const tconv1d::WeightsView<const T> wv{w.data(), F, K, C, 1, C * F, F};
    const tconv1d::BiasView<const T> bv{b.data(), K, 2};
    const auto geometry =
        tconv1d::resolve_geometry(L, F, S,
                                  crop.same ? tconv1d::CroppingSpec::make_same()
                                            : tconv1d::CroppingSpec::manual(crop.left, crop.right));
    const auto dyv = contiguous_view<const T>(dy.data(), N, K, Lo);

    std::vector<T> y(std::size_t(N * K * Lo)), y_ref(y.size());
    CHECK(P::forward(x.data(), &xl, w.data(), &wl, b.data(), 2, S, crop, y.data(), &yl) == TCONV1D_OK);
    CHECK(*tconv1d_last_error() == '\0');
    tconv1d::reference::forward<T>(xv, wv, bv, geometry, contiguous_view(y_ref.data(), N, K, Lo));
    CHECK(max_rel_diff(y, y_ref) < tol);

    std::vector<T> dx(std::size_t(C * N * L)), dx_ref(dx.size());
    CHECK(P::backward_data(dy.data(), &yl, w.data(), &wl, S, crop, dx.data(), &xl) == TCONV1D_OK);
    tconv1d::reference::backward_data<T>(dyv, wv, geometry, channels_first_view(dx_ref.data(), N, C, L));
    CHECK(max_rel_diff(dx, dx_ref) < tol);

    std::vector<T> dw(std::size_t(K * C * F)), dw_ref(dw.size());
    CHECK(P::backward_weights(x.data(), &xl, dy.data(), &yl, S, crop, dw.data(), &wl) == TCONV1D_OK);
    tconv1d::reference::backward_weights<T>(xv, dyv, geometry,
                                            tconv1d::WeightsView<T>{dw_ref.data(), F, K, C, 1, C * F, F});
    CHECK(max_rel_diff(dw, dw_ref) < tol);

    std::vector<T> db(std::size_t(3 * K)), db_ref(static_cast<std::size_t>(K));
    CHECK(P::backward_bias(dy.data(), &yl, db.data(), 3) == TCONV1D_OK);
    tconv1d::reference::backward_bias<T>(dyv, tconv1d::BiasView<T>{db_ref.data(), K, 1});
    std::vector<T> db_strided(static_cast<std::size_t>(K));
    for (std::int64_t k = 0; k < K; ++k) db_strided[std::size_t(k)] = db[std::size_t(3 * k)];
    CHECK(max_rel_diff(db_strided, db_ref) < tol);
}

void results() {
    const tconv1d_cropping none = {0, 0, 0}, same = {1, 0, 0}, pair = {0, 2, 1};
    passes_equal_reference<float, Passes32>(2, 3, 4, 5, 2, 17, none);
    passes_equal_reference<float, Passes32>(3, 16, 8, 4, 4, 33, same);
    passes_equal_reference<double, Passes64>(2, 3, 4, 5, 2, 17, pair);
    passes_equal_reference<double, Passes64>(1, 5, 7, 2, 4, 9, same);  // F < S: extension

    // ONNX's published test_convtranspose_1d: [0 1 2] with ones(3) -> [0 1 3 3 2].
    const float x[3] = {0, 1, 2}, w[3] = {1, 1, 1};
    float y[5] = {};
    tconv1d_data_layout xl, yl;
    tconv1d_weights_layout wl;
    CHECK(tconv1d_contiguous_data(1, 1, 3, &xl) == TCONV1D_OK);
    CHECK(tconv1d_contiguous_data(1, 1, 5, &yl) == TCONV1D_OK);
    CHECK(tconv1d_contiguous_weights(3, 1, 1, &wl) == TCONV1D_OK);
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 1, {0, 0, 0}, y, &yl) == TCONV1D_OK);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 3 && y[3] == 3 && y[4] == 2);
}

void geometry_and_runtime() {
    std::int64_t n = 0;
    CHECK(tconv1d_output_length(256, 11, 4, {1, 0, 0}, &n) == TCONV1D_OK && n == 1024);
    CHECK(tconv1d_output_length(3, 3, 1, {0, 1, 1}, &n) == TCONV1D_OK && n == 3);
    tconv1d_geometry g;
    CHECK(tconv1d_resolve_geometry(10, 2, 4, {1, 0, 0}, &g) == TCONV1D_OK);
    CHECK(g.out_length == 40 && g.extension == 2 && g.full_length == 38);

    CHECK(std::string(tconv1d_version()) == tconv1d::version());
    const int before = tconv1d_get_num_threads();
    CHECK(tconv1d_set_num_threads(1) == TCONV1D_OK && tconv1d_get_num_threads() == 1);
    CHECK(tconv1d_set_num_threads(-1) == TCONV1D_INVALID_ARGUMENT);
    CHECK(tconv1d_set_num_threads(tconv1d_max_num_threads() + 1) == TCONV1D_INVALID_ARGUMENT);
    CHECK(tconv1d_set_num_threads(0) == TCONV1D_OK && tconv1d_get_num_threads() == before);
    CHECK(std::string(tconv1d_status_name(TCONV1D_OVERFLOW)) == "overflow");
    CHECK(std::string(tconv1d_status_name(TCONV1D_OK)) == "ok");
}

void bad_arguments() {
    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    std::int64_t n = 0;
    CHECK(tconv1d_output_length(0, 3, 1, {0, 0, 0}, &n) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("length"));
    CHECK(tconv1d_output_length(3, 3, 0, {0, 0, 0}, &n) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("stride") || message_has("Stride"));
    CHECK(tconv1d_output_length(big, big, big, {0, 0, 0}, &n) == TCONV1D_OVERFLOW);
    CHECK(tconv1d_output_length(3, 3, 1, {0, 0, 0}, nullptr) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("out_length"));
    CHECK(tconv1d_resolve_geometry(3, 3, 1, {0, 0, 0}, nullptr) == TCONV1D_INVALID_ARGUMENT);

    tconv1d_data_layout dl;
    CHECK(tconv1d_contiguous_data(0, 1, 1, &dl) == TCONV1D_INVALID_ARGUMENT && message_has("batch"));
    CHECK(tconv1d_contiguous_data(big, 2, 2, &dl) == TCONV1D_OVERFLOW);
    CHECK(tconv1d_contiguous_data(1, 1, 1, nullptr) == TCONV1D_INVALID_ARGUMENT && message_has("layout"));
    tconv1d_weights_layout wl;
    CHECK(tconv1d_contiguous_weights(1, 0, 1, &wl) == TCONV1D_INVALID_ARGUMENT && message_has("num_filters"));

    // A call that succeeds clears the message.
    CHECK(tconv1d_contiguous_data(1, 1, 1, &dl) == TCONV1D_OK && *tconv1d_last_error() == '\0');

    const float x[6] = {1, 2, 3, 4, 5, 6}, w[4] = {1, 2, 3, 4};
    float y[16] = {};
    tconv1d_data_layout xl, yl;
    CHECK(tconv1d_contiguous_data(1, 2, 3, &xl) == TCONV1D_OK);
    CHECK(tconv1d_contiguous_weights(2, 1, 2, &wl) == TCONV1D_OK);
    CHECK(tconv1d_contiguous_data(1, 1, 4, &yl) == TCONV1D_OK);  // output length is (3-1)*1+2 = 4
    const tconv1d_cropping none = {0, 0, 0};
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 1, none, y, &yl) == TCONV1D_OK);

    CHECK(tconv1d_forward_f32(x, nullptr, w, &wl, nullptr, 0, 1, none, y, &yl) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("x_layout"));
    CHECK(tconv1d_forward_f32(nullptr, &xl, w, &wl, nullptr, 0, 1, none, y, &yl) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("x: no data"));
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 1, none, nullptr, &yl) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("y: no data"));
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 2, none, y, &yl) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("y: length"));
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 1, {0, -1, 0}, y, &yl) == TCONV1D_INVALID_ARGUMENT);
    tconv1d_data_layout huge = yl;
    huge.channel_stride = big;
    huge.channels = 3;
    CHECK(tconv1d_forward_f32(x, &xl, w, &wl, nullptr, 0, 1, none, y, &huge) == TCONV1D_OVERFLOW);
    tconv1d_data_layout zero_batch = xl;
    zero_batch.batch_inner = 0;  // a zero-initialized layout: batch_inner must be set
    CHECK(tconv1d_forward_f32(x, &zero_batch, w, &wl, nullptr, 0, 1, none, y, &yl) ==
          TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("x: batch"));
    tconv1d_weights_layout wrong_channels = wl;
    wrong_channels.channels = 1;
    CHECK(tconv1d_forward_f32(x, &xl, w, &wrong_channels, nullptr, 0, 1, none, y, &yl) ==
          TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("NumChannels"));
    CHECK(tconv1d_backward_bias_f32(x, &xl, nullptr, 1) == TCONV1D_INVALID_ARGUMENT && message_has("dbias"));
    CHECK(tconv1d_backward_data_f32(y, &yl, w, nullptr, 1, none, nullptr, &xl) == TCONV1D_INVALID_ARGUMENT);
    CHECK(message_has("weights_layout"));
    CHECK(tconv1d_backward_weights_f64(nullptr, nullptr, nullptr, nullptr, 1, none, nullptr, nullptr) ==
          TCONV1D_INVALID_ARGUMENT);
    CHECK(y[0] ==
          9);  // what the successful call wrote: x[0,0]*W[0,0,0] + x[1,0]*W[0,0,1]; failures wrote nothing

    // The message belongs to the thread whose call failed.
    CHECK(tconv1d_set_num_threads(-5) == TCONV1D_INVALID_ARGUMENT);
    std::string other;
    std::thread([&] { other = tconv1d_last_error(); }).join();
    CHECK(other.empty());
    CHECK(message_has("-5") || message_has("num_threads"));
}

}  // namespace

int main() {
    results();
    geometry_and_runtime();
    bad_arguments();
    return check_summary();
}
