// Convolutions (and depthwise convolutions but their filter gradient) through oneDNN (libdnnl), when the install found it (scripts/find-dnnl.js defines
// MEDTRANSFER_DNNL=1 and links it): each function runs the call and returns true, or returns false
// — oneDNN absent, switched off, or refusing the geometry — and the caller runs our kernel.
// Same layouts as conv.h: NHWC activations, HWIO filters; oneDNN picks its own weights layout
// and the weights are reordered into it on every call (docs/performance.md, "oneDNN").
#pragma once

#include "conv.h"

namespace mt {

struct DnnlInfo {
  bool compiled;  // built against oneDNN
  bool enabled;   // used for the next call (MEDTRANSFER_DNNL=0 or setDnnlEnabled(false) turn it off)
  int major, minor, patch;
  double calls;   // convolutions oneDNN has run in this process
};

#if defined(MEDTRANSFER_DNNL) && MEDTRANSFER_DNNL
bool dnnlConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y);
bool dnnlConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx);
bool dnnlConv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw);
// Depthwise (depthwise.h's layouts: filter [kh, kw, c, m], output channel ci·m + q); the filter
// gradient has no oneDNN version (ours measured as fast or faster).
bool dnnlDepthwiseConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y);
bool dnnlDepthwiseConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx);
DnnlInfo dnnlInfo();
// Turns the oneDNN path on or off for later calls (a no-op without oneDNN); returns the old state.
bool setDnnlEnabled(bool on);
#else
inline bool dnnlConv2d(const ConvGeom&, const float*, const float*, const float*, Activation, float*) { return false; }
inline bool dnnlConv2dBackpropInput(const ConvGeom&, const float*, const float*, float*) { return false; }
inline bool dnnlConv2dBackpropFilter(const ConvGeom&, const float*, const float*, float*) { return false; }
inline bool dnnlDepthwiseConv2d(const ConvGeom&, const float*, const float*, const float*, Activation, float*) {
  return false;
}
inline bool dnnlDepthwiseConv2dBackpropInput(const ConvGeom&, const float*, const float*, float*) { return false; }
inline DnnlInfo dnnlInfo() { return {false, false, 0, 0, 0, 0}; }
inline bool setDnnlEnabled(bool) { return false; }
#endif

}  // namespace mt
