// Backward pass for the bias (SPEC R3.3): db[k] = sum_{n, t} dy[n, k, t].
// One block per filter; each thread sums a fixed strided subset, then a fixed
// shared-memory tree adds the threads' sums: bitwise repeatable, no atomics.
// The integer arguments of backward_bias, passed by value as one struct (one launch argument).
struct BackwardBiasArgs {
    long long batch_inner;
    long long batch;
    long long out_length;
    long long ds_outer;
    long long ds_inner;
    long long ds_channel;
    long long ds_position;
};

template <typename T>
__global__ void __launch_bounds__(256)
    backward_bias(const T* __restrict__ dy, T* __restrict__ db, const BackwardBiasArgs args) {
    const long long batch_inner = args.batch_inner, batch = args.batch, out_length = args.out_length,
                    ds_outer = args.ds_outer, ds_inner = args.ds_inner, ds_channel = args.ds_channel,
                    ds_position = args.ds_position;
    constexpr int THREADS = 256;
    __shared__ T partial[THREADS];
    const long long k = blockIdx.x;
    T sum = T(0);
    for (long long n = 0; n < batch; ++n) {
        const T* row = dy + (n / batch_inner) * ds_outer + (n % batch_inner) * ds_inner + k * ds_channel;
        for (long long t = threadIdx.x; t < out_length; t += THREADS) sum += row[t * ds_position];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) db[k] = partial[0];
}
