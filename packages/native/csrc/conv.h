// Convolution and pooling kernels on NHWC images with HWIO filters; geometry (padding, output
// size) is computed by the caller (tfjs' computeConv2DInfo) and passed in ConvGeom.
#pragma once

namespace mt {

struct ConvGeom {
  long n, h, w, c;     // input
  long kh, kw;         // filter size
  long sh, sw, dh, dw; // strides, dilations
  long pt, pl;         // padding top/left
  long oh, ow, co;     // output height, width, channels
};

// Calls f(ky, kx, iy, ix) for each tap of output pixel (oy, ox)'s window that lies inside the
// image (taps over padding are skipped), in (ky, kx) order: the window walk of col2im, pooling and
// the depthwise convolutions.
template <class F>
inline void forEachTapInside(const ConvGeom& g, long oy, long ox, F&& f) {
  for (long ky = 0; ky < g.kh; ky++) {
    const long iy = oy * g.sh - g.pt + ky * g.dh;
    if (iy < 0 || iy >= g.h) continue;
    for (long kx = 0; kx < g.kw; kx++) {
      const long ix = ox * g.sw - g.pl + kx * g.dw;
      if (ix < 0 || ix >= g.w) continue;
      f(ky, kx, iy, ix);
    }
  }
}

enum class Activation { kLinear = 0, kRelu = 1, kRelu6 = 2 };

// y[n,oh,ow,co] = act(Σ x·w + bias); bias may be null.
void conv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y);
// dx = gradient of conv2d (no bias/activation) w.r.t. x.
void conv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw = gradient of conv2d w.r.t. w.
void conv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw);
// Max pooling (window kh×kw, padding ignored); co must equal c.
void maxPool(const ConvGeom& g, const float* x, float* y);
// Routes dy to the first element of each window equal to its maximum y (the forward output), as
// tfjs' reference does.
void maxPoolGrad(const ConvGeom& g, const float* x, const float* y, const float* dy, float* dx);

}  // namespace mt
