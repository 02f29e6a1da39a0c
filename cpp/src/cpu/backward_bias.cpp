// Backward-bias pass (R3.3, db): the sum of dy over batch and positions.
#include "cpu/kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/budget.hpp"
#include "cpu/direct.hpp"
#include "cpu/index.hpp"
#include "cpu/isa.hpp"
#include "cpu/microkernel.hpp"
#include "cpu/nonfinite.hpp"
#include "cpu/packing.hpp"
#include "parallel.hpp"
#include "threads.hpp"
#include "workspace.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// db[k] = sum over n, t of dy[n,k,t], one thread per k, accumulated in double
// in eight interleaved partial sums (a fixed order the compiler can vectorize).
template <class T>
bool backward_bias(const DataView<const T>& dy, const BiasView<T>& db) {
    const int64_t B = dy.batch(), K = dy.channels, Lo = dy.length;
    const int nt = threads_for(double(B) * double(K) * double(Lo));
    detail::parallel_for(nt, K, [&](int64_t k) {
        double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t n = 0; n < B; ++n) {
            const T* in = dy.data + dy.batch_offset(n) + k * dy.channel_stride;
            int64_t t = 0;
            if (dy.length_stride == 1)
                for (; t + 8 <= Lo; t += 8)
                    for (int u = 0; u < 8; ++u) part[u] += double(in[t + u]);
            for (; t < Lo; ++t) part[t % 8] += double(in[t * dy.length_stride]);
        }
        const double total =
            ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
        db.at(k) = T(total);
    });
    return true;
}

template bool backward_bias<float>(const DataView<const float>&, const BiasView<float>&);
template bool backward_bias<double>(const DataView<const double>&, const BiasView<double>&);

}  // namespace tconv1d::cpu
