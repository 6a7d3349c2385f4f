// Depthwise convolutions on NHWC images: forward (bias and ReLU/ReLU6 fused) and both gradients.
// Filters are [kh, kw, c, multiplier]; output channel ci·multiplier + q; geometry as in conv.h.
#pragma once

#include "conv.h"

namespace mt {

// y[n,oy,ox,ci·m+q] = act(Σ_taps x[n,iy,ix,ci]·w[ky,kx,ci,q] + bias); g.co = g.c·m; bias may be null.
void depthwiseConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y);
// dx = gradient of depthwiseConv2d (no bias/activation) w.r.t. x.
void depthwiseConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw = gradient of depthwiseConv2d w.r.t. w (per-thread partials added in a fixed order).
void depthwiseConv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace mt
