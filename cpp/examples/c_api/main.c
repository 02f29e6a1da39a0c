/* A C99 program that uses tconv1d through its C API and links nothing but the
 * library (no C++ runtime, no OpenMP flags: the shared library brings them).
 *
 * It upsamples two channels by 2 with "same" cropping, checks the result
 * against ONNX's published test_convtranspose_1d numbers, computes the bias
 * gradient, and shows how a bad argument is reported. Exit status 0 when every
 * check holds. Build it (see README, "Use from C and C++"):
 *     cc -std=c99 main.c $(pkg-config --cflags --libs tconv1d) -o c_api
 */
#include <stdio.h>
#include <string.h>

#include "tconv1d/tconv1d.h"

static int report(tconv1d_status status, const char* what) {
    if (status == TCONV1D_OK) return 0;
    fprintf(stderr, "%s: %s: %s\n", what, tconv1d_status_name(status), tconv1d_last_error());
    return 1;
}

int main(void) {
    /* ONNX's test_convtranspose_1d: x = [0 1 2], W = ones(3), stride 1 -> [0 1 3 3 2]. */
    const float x[3] = {0, 1, 2}, w[3] = {1, 1, 1}, want[5] = {0, 1, 3, 3, 2};
    /* Two channels, one filter of length 2, stride 2, "same": length 4 -> 8. */
    const double x2[8] = {1, 2, 3, 4, 10, 20, 30, 40}, w2[4] = {1, 0.5, -1, 0.25}, bias = 0.5;
    float y[5];
    double y2[8], db;
    tconv1d_data_layout xl, yl, x2l, y2l, bad;
    tconv1d_weights_layout wl, w2l;
    const tconv1d_cropping none = {0, 0, 0}, same = {1, 0, 0};
    int64_t out_length = 0;
    int failures = 0;
    int64_t i;

    failures += report(tconv1d_contiguous_data(1, 1, 3, &xl), "x layout");
    failures += report(tconv1d_contiguous_data(1, 1, 5, &yl), "y layout");
    failures += report(tconv1d_contiguous_weights(3, 1, 1, &wl), "weights layout");
    failures += report(tconv1d_forward_f32(x, &xl, w, &wl, NULL, 0, 1, none, y, &yl), "forward_f32");
    for (i = 0; i < 5; ++i)
        if (y[i] != want[i]) ++failures;
    printf("tconv1d %s from C: y = %g %g %g %g %g\n", tconv1d_version(), y[0], y[1], y[2], y[3], y[4]);

    failures += report(tconv1d_output_length(4, 2, 2, same, &out_length), "output_length");
    failures += report(tconv1d_contiguous_data(1, 2, 4, &x2l), "x2 layout");
    failures += report(tconv1d_contiguous_data(1, 1, out_length, &y2l), "y2 layout");
    failures += report(tconv1d_contiguous_weights(2, 1, 2, &w2l), "w2 layout");
    failures += report(tconv1d_forward_f64(x2, &x2l, w2, &w2l, &bias, 1, 2, same, y2, &y2l), "forward_f64");
    /* y2[2i + f] = W[f,0,0] x[0,i] + W[f,0,1] x[1,i] + bias */
    for (i = 0; i < 4; ++i) {
        if (y2[2 * i] != w2[0] * x2[i] + w2[1] * x2[4 + i] + bias) ++failures;
        if (y2[2 * i + 1] != w2[2] * x2[i] + w2[3] * x2[4 + i] + bias) ++failures;
    }
    failures += report(tconv1d_backward_bias_f64(y2, &y2l, &db, 1), "backward_bias_f64");
    printf("upsampled by 2 to length %lld; bias gradient for dy = y2 (the sum of y2): %g\n",
           (long long)out_length, db);

    /* A bad argument is a status and a message naming it, never a crash. */
    bad = yl;
    bad.length = 4;
    if (tconv1d_forward_f32(x, &xl, w, &wl, NULL, 0, 1, none, y, &bad) != TCONV1D_INVALID_ARGUMENT ||
        strstr(tconv1d_last_error(), "y: length") == NULL)
        ++failures;
    printf("a wrong output length is refused: %s\n", tconv1d_last_error());

    printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures);
    return failures == 0 ? 0 : 1;
}
