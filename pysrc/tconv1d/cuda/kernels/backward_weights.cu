// Backward pass for the weights (SPEC R3.3):
//   dW[f, k, c] = sum_{n, i} x[n, c, i] * dy_full[n, k, i*S + f].
// An implicit GEMM with rows (k, f) (f fastest, so a row group reads a contiguous
// run of dy), columns c and the long reduction (n, i). The reduction is split
// (split-K) over blockIdx.z when the output alone gives too few blocks; each split
// writes its partial sums to its own slice of a buffer and backward_weights_reduce
// adds the slices in split order. No atomics: repeated runs are bitwise identical.
#include "common.cuh"

// The integer arguments of backward_weights, passed by value as one struct (one launch argument).
struct BackwardWeightsArgs {
    long long batch_inner;
    long long batch;
    long long channels;
    long long length;
    long long num_filters;
    long long filter_size;
    long long stride;
    long long crop_left;
    long long out_length;
    long long xs_outer;
    long long xs_inner;
    long long xs_channel;
    long long xs_position;
    long long ds_outer;
    long long ds_inner;
    long long ds_channel;
    long long ds_position;
    long long splits;
    long long per_split;
};

template <typename T, int BM, int BN, int TM, int TN>
__global__ void __launch_bounds__(tconv1d_cuda::Accumulator<T, BM, BN, TM, TN>::type::THREADS)
    backward_weights(const T* __restrict__ x, const T* __restrict__ dy, T* __restrict__ out,
                     const BackwardWeightsArgs args) {
    const long long batch_inner = args.batch_inner, batch = args.batch, channels = args.channels,
                    length = args.length, num_filters = args.num_filters, filter_size = args.filter_size,
                    stride = args.stride, crop_left = args.crop_left, out_length = args.out_length,
                    xs_outer = args.xs_outer, xs_inner = args.xs_inner, xs_channel = args.xs_channel,
                    xs_position = args.xs_position, ds_outer = args.ds_outer, ds_inner = args.ds_inner,
                    ds_channel = args.ds_channel, ds_position = args.ds_position, splits = args.splits,
                    per_split = args.per_split;
    using namespace tconv1d_cuda;
    using Acc = typename Accumulator<T, BM, BN, TM, TN>::type;
    constexpr int THREADS = Acc::THREADS;
    constexpr int LA = BM * BK / THREADS;
    constexpr int LB = BN * BK / THREADS;
    __shared__ __align__(16) Tiles<T, BM, BN> s;

    const long long rows = num_filters * filter_size;
    const long long c0 = (long long)blockIdx.x * BN;
    const long long m0 = (long long)blockIdx.y * BM;
    const long long split = blockIdx.z;
    const long long chunks = (length + BK - 1) / BK;
    const long long total = batch * chunks;
    const long long it_begin = split * per_split;
    const long long it_end = it_begin + per_split < total ? it_begin + per_split : total;

    const int tid = threadIdx.x;
    const int a_m = tid % BM, a_r = tid / BM;  // A read along (k, f): runs of dy
    const int b_r = tid % BK, b_c = tid / BK;  // B read along i (contiguous in x)
    const long long row = m0 + a_m;
    const bool row_ok = row < rows;
    const long long a_k = row_ok ? row / filter_size : 0;
    const long long a_f = row_ok ? row % filter_size : 0;

    // The loop walks the tiles in (batch n, position chunk) order by counters; the
    // batch offsets are recomputed only when n changes.
    bool c_ok[LB];
#pragma unroll
    for (int l = 0; l < LB; ++l) c_ok[l] = c0 + b_c + (THREADS / BK) * l < channels;
    const long long x_step = (THREADS / BK) * xs_channel;
    const long long pos_step = (THREADS / BM) * stride;
    long long next_n = it_begin / chunks, next_i0 = (it_begin % chunks) * BK, current_n = -1;
    const T* dy_n = dy;
    const T* x_n = x;

    T ra[LA], rb[LB];
    auto fetch = [&]() {
        const long long n = next_n, ibase = next_i0;
        next_i0 += BK;
        if (next_i0 >= length) next_i0 = 0, ++next_n;
        if (n != current_n) {
            current_n = n;
            const long long no = n / batch_inner, ni = n % batch_inner;
            dy_n = dy + no * ds_outer + ni * ds_inner + a_k * ds_channel;
            x_n = x + no * xs_outer + ni * xs_inner + (c0 + b_c) * xs_channel;
        }
        const long long i_a = ibase + a_r;
        const long long pos0 = i_a * stride + a_f - crop_left;
#pragma unroll
        for (int l = 0; l < LA; ++l) {
            const long long pos = pos0 + l * pos_step;
            ra[l] = (row_ok && i_a + (THREADS / BM) * l < length && pos >= 0 && pos < out_length)
                        ? dy_n[pos * ds_position]
                        : T(0);
        }
        const long long i_b = ibase + b_r;
        const T* xp = x_n + i_b * xs_position;
#pragma unroll
        for (int l = 0; l < LB; ++l) rb[l] = (i_b < length && c_ok[l]) ? xp[l * x_step] : T(0);
    };

    Acc acc;
    acc.zero();

    if (it_begin < it_end) fetch();
    for (long long it = it_begin; it < it_end; ++it) {
        __syncthreads();
#pragma unroll
        for (int l = 0; l < LA; ++l) s.a[a_r + (THREADS / BM) * l][a_m] = ra[l];
#pragma unroll
        for (int l = 0; l < LB; ++l) s.b[b_r][b_c + (THREADS / BK) * l] = rb[l];
        const bool special = acc.barrier(ra, rb);
        if (it + 1 < it_end) fetch();
        acc.multiply(s, tid, special);
    }

    acc.for_each(tid, [&](int mi, int ni, T value) {
        const long long m = m0 + mi, c = c0 + ni;
        if (m >= rows || c >= channels) return;
        if (splits == 1)
            out[(m % filter_size * num_filters + m / filter_size) * channels + c] = value;
        else
            out[(split * rows + m) * channels + c] = value;
    });
}

// Sums the split-K partial buffer [split][(k, f)][c] in split order into dW[f, k, c].
template <typename T>
__global__ void backward_weights_reduce(const T* __restrict__ partial, T* __restrict__ dw, long long splits,
                                        long long num_filters, long long filter_size, long long channels) {
    const long long size = num_filters * filter_size * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < size;
         e += (long long)gridDim.x * blockDim.x) {
        T sum = T(0);
        for (long long s = 0; s < splits; ++s) sum += partial[s * size + e];
        const long long m = e / channels, c = e % channels;
        const long long k = m / filter_size, f = m % filter_size;
        dw[(f * num_filters + k) * channels + c] = sum;
    }
}
