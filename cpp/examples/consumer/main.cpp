// Computes ONNX's published test_convtranspose_1d case through the installed
// library: X = [0 1 2], W = ones(3), stride 1, no crop -> Y = [0 1 3 3 2].
#include <cstdio>
#include <vector>

#include <tconv1d/tconv1d.hpp>

int main() {
    const std::vector<float> x = {0, 1, 2};
    const std::vector<float> weights = {1, 1, 1};  // FilterSize 3 x NumFilters 1 x NumChannels 1
    const auto geometry = tconv1d::resolve_geometry(3, 3, 1, tconv1d::CroppingSpec::manual(0, 0));
    std::vector<float> y(static_cast<std::size_t>(geometry.out_length));

    tconv1d::DataView<const float> x_view;
    x_view.data = x.data();
    x_view.channels = 1;
    x_view.length = 3;
    x_view.length_stride = 1;
    tconv1d::DataView<float> y_view;
    y_view.data = y.data();
    y_view.channels = 1;
    y_view.length = geometry.out_length;
    y_view.length_stride = 1;
    const tconv1d::WeightsView<const float> w_view{weights.data(), 3, 1, 1, 1, 1, 1};

    tconv1d::forward<float>(x_view, w_view, {}, geometry, y_view);

    const std::vector<float> expected = {0, 1, 3, 3, 2};
    std::printf("tconv1d %s: y =", tconv1d::version().c_str());
    for (float v : y) std::printf(" %g", v);
    std::printf("\n");
    return y == expected ? 0 : 1;
}
