// Backward pass for the input (SPEC R3.3): dx = C * dy_full, the ordinary strided
// correlation of the zero-re-padded dy with the same weights:
//   dx[n, c, i] = sum_{f, k} W[f, k, c] * dy_full[n, k, i*S + f],
//   dy_full[u] = dy[u - crop_left] inside the output, 0 elsewhere.
// An implicit GEMM with rows c, columns i and reduction (f, k).
#include "common.cuh"

// The integer arguments of backward_data, passed by value as one struct (one launch argument).
struct BackwardDataArgs {
    long long batch_inner;
    long long channels;
    long long length;
    long long num_filters;
    long long filter_size;
    long long stride;
    long long crop_left;
    long long out_length;
    long long ds_outer;
    long long ds_inner;
    long long ds_channel;
    long long ds_position;
    long long xs_outer;
    long long xs_inner;
    long long xs_channel;
    long long xs_position;
    long long column_tiles;
    long long splits;     // split-K parts (blockIdx.z); > 1 writes partial sums
    long long per_split;  // reduction iterations per part
};

template <typename T, int BM, int BN, int TM, int TN>
__global__ void __launch_bounds__(tconv1d_cuda::Accumulator<T, BM, BN, TM, TN>::type::THREADS)
    backward_data(const T* __restrict__ dy, const T* __restrict__ w, T* __restrict__ dx,
                  const BackwardDataArgs args) {
    const long long batch_inner = args.batch_inner, channels = args.channels, length = args.length,
                    num_filters = args.num_filters, filter_size = args.filter_size, stride = args.stride,
                    crop_left = args.crop_left, out_length = args.out_length, ds_outer = args.ds_outer,
                    ds_inner = args.ds_inner, ds_channel = args.ds_channel, ds_position = args.ds_position,
                    xs_outer = args.xs_outer, xs_inner = args.xs_inner, xs_channel = args.xs_channel,
                    xs_position = args.xs_position, column_tiles = args.column_tiles, splits = args.splits,
                    per_split = args.per_split;
    using namespace tconv1d_cuda;
    using Acc = typename Accumulator<T, BM, BN, TM, TN>::type;
    constexpr int THREADS = Acc::THREADS;
    constexpr int LA = BM * BK / THREADS;
    constexpr int LB = BN * BK / THREADS;
    __shared__ __align__(16) Tiles<T, BM, BN> s;

    const long long column_tile = blockIdx.x % column_tiles;
    const long long n = blockIdx.x / column_tiles;
    const long long i0 = column_tile * BN;
    const long long c0 = (long long)blockIdx.y * BM;
    const long long chunks = (num_filters + BK - 1) / BK;
    const long long total = filter_size * chunks;
    const long long split = blockIdx.z;
    const long long it_begin = split * per_split;
    const long long it_end = it_begin + per_split < total ? it_begin + per_split : total;

    const T* db = dy + (n / batch_inner) * ds_outer + (n % batch_inner) * ds_inner;
    const int tid = threadIdx.x;
    const int a_m = tid % BM, a_r = tid / BM;  // A read along c (contiguous in W)
    const int b_n = tid % BN, b_r = tid / BN;  // B read along i

    // Per-thread parts of the gather addresses; the loop walks the tiles in
    // (tap f, filter chunk) order by counters, without divisions.
    const bool c_ok = c0 + a_m < channels;
    const T* w_thread = w + a_r * channels + c0 + a_m;
    const long long w_step = (THREADS / BM) * channels;
    const long long i = i0 + b_n;
    const T* d_thread = db + b_r * ds_channel;
    const long long d_step = (THREADS / BN) * ds_channel;
    long long next_f = it_begin / chunks, next_k0 = (it_begin % chunks) * BK;

    T ra[LA], rb[LB];
    auto fetch = [&]() {
        const long long f = next_f, kbase = next_k0;
        next_k0 += BK;
        if (next_k0 >= num_filters) next_k0 = 0, ++next_f;
        const T* wp = w_thread + (f * num_filters + kbase) * channels;
#pragma unroll
        for (int l = 0; l < LA; ++l)
            ra[l] = (c_ok && kbase + a_r + (THREADS / BM) * l < num_filters) ? wp[l * w_step] : T(0);
        const long long pos = i * stride + f - crop_left;
        const bool inside = i < length && pos >= 0 && pos < out_length;
        const T* dp = d_thread + kbase * ds_channel + pos * ds_position;
#pragma unroll
        for (int l = 0; l < LB; ++l)
            rb[l] = (inside && kbase + b_r + (THREADS / BN) * l < num_filters) ? dp[l * d_step] : T(0);
    };

    Acc acc;
    acc.zero();

    if (it_begin < it_end) fetch();
    for (long long it = it_begin; it < it_end; ++it) {
        __syncthreads();
#pragma unroll
        for (int l = 0; l < LA; ++l) s.a[a_r + (THREADS / BM) * l][a_m] = ra[l];
#pragma unroll
        for (int l = 0; l < LB; ++l) s.b[b_r + (THREADS / BN) * l][b_n] = rb[l];
        const bool special = acc.barrier(ra, rb);
        if (it + 1 < it_end) fetch();
        acc.multiply(s, tid, special);
    }

    T* xb = dx + (n / batch_inner) * xs_outer + (n % batch_inner) * xs_inner;
    // One part: straight into dx. Several: into the part's slice of a contiguous
    // [split][n][c][i] buffer that backward_data_reduce adds up in split order.
    T* pb = dx + ((split * (long long)gridDim.x / column_tiles + n) * channels) * length;
    acc.for_each(tid, [&](int mi, int ni, T value) {
        const long long c = c0 + mi, ii = i0 + ni;
        if (c >= channels || ii >= length) return;
        if (splits == 1)
            xb[c * xs_channel + ii * xs_position] = value;
        else
            pb[c * length + ii] = value;
    });
}

struct BackwardDataReduceArgs {
    long long splits;
    long long batch;
    long long batch_inner;
    long long channels;
    long long length;
    long long xs_outer;
    long long xs_inner;
    long long xs_channel;
    long long xs_position;
};

// Sums the split-K parts [split][n][c][i] in split order into dx (any strides).
template <typename T>
__global__ void backward_data_reduce(const T* __restrict__ partial, T* __restrict__ dx,
                                     const BackwardDataReduceArgs args) {
    const long long size = args.batch * args.channels * args.length;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < size;
         e += (long long)gridDim.x * blockDim.x) {
        T sum = T(0);
        for (long long s = 0; s < args.splits; ++s) sum += partial[s * size + e];
        const long long i = e % args.length, c = (e / args.length) % args.channels;
        const long long n = e / (args.length * args.channels);
        dx[(n / args.batch_inner) * args.xs_outer + (n % args.batch_inner) * args.xs_inner +
           c * args.xs_channel + i * args.xs_position] = sum;
    }
}
