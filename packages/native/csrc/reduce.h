// Reductions over the leading axes of a tensor: per-channel sums and means of NHWC activations,
// which batch norm and its gradient need at every layer.
#pragma once

namespace mt {

// y[j] = scale · Σ_i x[i·inner + j] for j < inner, i < outer.
void reduceOuter(const float* x, float* y, long outer, long inner, float scale);

}  // namespace mt
