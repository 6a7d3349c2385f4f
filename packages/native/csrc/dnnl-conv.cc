// The oneDNN convolution path (see dnnl-conv.h). Compiled only when the install found oneDNN 2.x.
// Depthwise convolutions (forward and input gradient) are oneDNN's grouped convolutions with one
// group per input channel: the filter [kh, kw, c, m] is oneDNN's `hwigo` layout with g = c, o = m,
// i = 1, and the output channel ci·m + q is group ci's channel q, as in depthwise.h. Their filter
// gradient stays ours (as fast or faster on MobileNet v1's layers, docs/performance.md).
//
// Every geometry gets its primitives built once (a map keyed by direction, geometry, bias and
// activation) with activations in NHWC, as tfjs holds them, and the weights in the layout oneDNN
// chooses ("any"); the user's HWIO weights are reordered into it on each call (weights change
// every training step, and a freed tensor's address is reused, so nothing is cached by pointer)
// in one buffer shared by all geometries; at most kMaxEntries geometries are kept.
// A geometry oneDNN refuses (it throws while building the primitive) is remembered and left to
// our kernels. Threads: oneDNN's OpenMP runtime gets the thread pool's count (MEDTRANSFER_THREADS
// or the cores), set on the calling thread before each call.
#include "dnnl-conv.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "oneapi/dnnl/dnnl.hpp"
#include "thread-pool.h"

#if defined(MEDTRANSFER_DNNL_OMP) && MEDTRANSFER_DNNL_OMP
#include <omp.h>
#endif

namespace mt {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

enum class Dir { kForward, kBackwardData, kBackwardWeights };

struct Entry {
  bool ok = false;  // false: oneDNN refused the geometry; our kernels run it
  dnnl::primitive prim;
  memory::desc src, dst, bias;  // the user's NHWC tensors (src/dst as the direction names them)
  memory::desc userW;           // the user's HWIO weights (or weight gradient)
  memory::desc primW;           // the primitive's weights layout
  bool reorderW = false;        // primW differs from userW
  dnnl::reorder wReorder;       // userW → primW (forward, backward data) or primW → userW (backward weights)
};

// Geometries kept at most; past it the cache starts over (a sweep in one process meets many nets).
constexpr size_t kMaxEntries = 1024;

struct State {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{eng};
  std::unordered_map<std::string, std::unique_ptr<Entry>> cache;
  // The reordered weights of the running call, shared by every entry (one call at a time).
  std::unique_ptr<float[]> weights;
  size_t weightsSize = 0;
  double calls = 0;
  std::mutex mu;  // calls from several threads are serialised: primitives and buffers are shared
  bool enabled = [] {
    const char* env = std::getenv("MEDTRANSFER_DNNL");
    return !(env && std::strcmp(env, "0") == 0);
  }();
};

State& state() {
  static State s;
  return s;
}

std::string keyOf(Dir dir, bool depthwise, const ConvGeom& g, bool bias, Activation act) {
  const long v[] = {static_cast<long>(dir), depthwise ? 1 : 0, g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl,
                    g.oh, g.ow, g.co, bias ? 1 : 0, static_cast<long>(act)};
  return std::string(reinterpret_cast<const char*>(v), sizeof(v));
}

// The geometry as oneDNN describes it: NCHW-ordered dims (the layout is given by the tag),
// dilation counted from 0, and the bottom/right padding that makes the output size come out.
// Depthwise weights are grouped: {groups = c, outputs per group = m, inputs per group = 1, kh, kw}.
struct Dims {
  memory::dims src, wei, dst, bias, strides, dilation, padL, padR;
};

Dims dimsOf(const ConvGeom& g, bool depthwise) {
  const long pb = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.pt;
  const long pr = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pl;
  const memory::dims wei = depthwise ? memory::dims{g.c, g.co / g.c, 1, g.kh, g.kw} : memory::dims{g.co, g.c, g.kh, g.kw};
  return {{g.n, g.c, g.h, g.w}, wei,                  {g.n, g.co, g.oh, g.ow}, {g.co},
          {g.sh, g.sw},         {g.dh - 1, g.dw - 1}, {g.pt, g.pl},            {pb, pr}};
}

dnnl::convolution_forward::primitive_desc forwardDesc(const State& s, const Dims& d, bool bias, Activation act) {
  const memory::desc src(d.src, dt::f32, tag::nhwc), dst(d.dst, dt::f32, tag::nhwc), wei(d.wei, dt::f32, tag::any);
  dnnl::primitive_attr attr;
  if (act != Activation::kLinear) {
    dnnl::post_ops ops;
    if (act == Activation::kRelu)
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    else
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(ops);
  }
  const auto prop = dnnl::prop_kind::forward_training;
  const auto alg = dnnl::algorithm::convolution_direct;
  if (bias) {
    const memory::desc b(d.bias, dt::f32, tag::x);
    return {{prop, alg, src, wei, b, dst, d.strides, d.dilation, d.padL, d.padR}, attr, s.eng};
  }
  return {{prop, alg, src, wei, dst, d.strides, d.dilation, d.padL, d.padR}, attr, s.eng};
}

// Builds the entry for one direction and geometry; leaves ok = false when oneDNN refuses it.
void build(State& s, Entry& e, Dir dir, bool depthwise, const ConvGeom& g, bool bias, Activation act) {
  try {
    const Dims d = dimsOf(g, depthwise);
    e.src = memory::desc(d.src, dt::f32, tag::nhwc);
    e.dst = memory::desc(d.dst, dt::f32, tag::nhwc);
    e.bias = memory::desc(d.bias, dt::f32, tag::x);
    e.userW = memory::desc(d.wei, dt::f32, depthwise ? tag::hwigo : tag::hwio);
    const auto hint = forwardDesc(s, d, false, Activation::kLinear);
    const memory::desc anyW(d.wei, dt::f32, tag::any);
    const auto alg = dnnl::algorithm::convolution_direct;
    if (dir == Dir::kForward) {
      const auto pd = forwardDesc(s, d, bias, act);
      e.prim = dnnl::convolution_forward(pd);
      e.primW = pd.weights_desc();
    } else if (dir == Dir::kBackwardData) {
      const dnnl::convolution_backward_data::primitive_desc pd(
          {alg, e.src, anyW, e.dst, d.strides, d.dilation, d.padL, d.padR}, s.eng, hint);
      e.prim = dnnl::convolution_backward_data(pd);
      e.primW = pd.weights_desc();
    } else {
      const dnnl::convolution_backward_weights::primitive_desc pd(
          {alg, e.src, anyW, e.dst, d.strides, d.dilation, d.padL, d.padR}, s.eng, hint);
      e.prim = dnnl::convolution_backward_weights(pd);
      e.primW = pd.diff_weights_desc();
    }
    e.reorderW = e.primW != e.userW;
    if (e.reorderW) {
      const memory user(e.userW, s.eng, DNNL_MEMORY_NONE), prim(e.primW, s.eng, DNNL_MEMORY_NONE);
      e.wReorder = dir == Dir::kBackwardWeights ? dnnl::reorder(prim, user) : dnnl::reorder(user, prim);
    }
    e.ok = true;
  } catch (const dnnl::error&) {
    e.ok = false;
  }
}

// The entry for this call, or null when oneDNN is off or refuses the geometry. Holds `lock`.
Entry* entryFor(State& s, std::unique_lock<std::mutex>& lock, Dir dir, bool depthwise, const ConvGeom& g, bool bias,
               Activation act) {
  lock = std::unique_lock<std::mutex>(s.mu);
  if (!s.enabled) return nullptr;
  if (s.cache.size() >= kMaxEntries) s.cache.clear();
  auto& slot = s.cache[keyOf(dir, depthwise, g, bias, act)];
  if (!slot) {
    slot = std::make_unique<Entry>();
    build(s, *slot, dir, depthwise, g, bias, act);
  }
  if (!slot->ok) return nullptr;
  s.calls++;
#if defined(MEDTRANSFER_DNNL_OMP) && MEDTRANSFER_DNNL_OMP
  omp_set_num_threads(ThreadPool::get().size());
#endif
  return slot.get();
}

memory wrap(const memory::desc& md, const State& s, const float* p) {
  return memory(md, s.eng, const_cast<float*>(p));
}

// The shared buffer for weights in the primitive's layout, grown as needed.
memory primWeights(State& s, const Entry& e) {
  const size_t floats = (e.primW.get_size() + sizeof(float) - 1) / sizeof(float);
  if (floats > s.weightsSize) {
    s.weights.reset(new float[floats]);
    s.weightsSize = floats;
  }
  return memory(e.primW, s.eng, s.weights.get());
}

bool forward(bool depthwise, const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  State& s = state();
  std::unique_lock<std::mutex> lock;
  Entry* e = entryFor(s, lock, Dir::kForward, depthwise, g, bias != nullptr, act);
  if (!e) return false;
  memory user = wrap(e->userW, s, w);
  memory weights = e->reorderW ? primWeights(s, *e) : user;
  if (e->reorderW) e->wReorder.execute(s.stream, user, weights);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, wrap(e->src, s, x)}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, wrap(e->dst, s, y)}};
  if (bias) args.insert({DNNL_ARG_BIAS, wrap(e->bias, s, bias)});
  e->prim.execute(s.stream, args);
  s.stream.wait();
  return true;
}

bool backwardData(bool depthwise, const ConvGeom& g, const float* dy, const float* w, float* dx) {
  State& s = state();
  std::unique_lock<std::mutex> lock;
  Entry* e = entryFor(s, lock, Dir::kBackwardData, depthwise, g, false, Activation::kLinear);
  if (!e) return false;
  memory user = wrap(e->userW, s, w);
  memory weights = e->reorderW ? primWeights(s, *e) : user;
  if (e->reorderW) e->wReorder.execute(s.stream, user, weights);
  e->prim.execute(s.stream, {{DNNL_ARG_DIFF_DST, wrap(e->dst, s, dy)},
                             {DNNL_ARG_WEIGHTS, weights},
                             {DNNL_ARG_DIFF_SRC, wrap(e->src, s, dx)}});
  s.stream.wait();
  return true;
}

bool backwardWeights(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  State& s = state();
  std::unique_lock<std::mutex> lock;
  Entry* e = entryFor(s, lock, Dir::kBackwardWeights, false, g, false, Activation::kLinear);
  if (!e) return false;
  memory user = wrap(e->userW, s, dw);
  memory weights = e->reorderW ? primWeights(s, *e) : user;
  e->prim.execute(s.stream, {{DNNL_ARG_SRC, wrap(e->src, s, x)},
                             {DNNL_ARG_DIFF_DST, wrap(e->dst, s, dy)},
                             {DNNL_ARG_DIFF_WEIGHTS, weights}});
  if (e->reorderW) e->wReorder.execute(s.stream, weights, user);
  s.stream.wait();
  return true;
}

}  // namespace

bool dnnlConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  return forward(false, g, x, w, bias, act, y);
}
bool dnnlConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  return backwardData(false, g, dy, w, dx);
}
bool dnnlConv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  return backwardWeights(g, x, dy, dw);
}
bool dnnlDepthwiseConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  return forward(true, g, x, w, bias, act, y);
}
bool dnnlDepthwiseConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  return backwardData(true, g, dy, w, dx);
}

DnnlInfo dnnlInfo() {
  const dnnl_version_t* v = dnnl_version();
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return {true, s.enabled, v->major, v->minor, v->patch, s.calls};
}

bool setDnnlEnabled(bool on) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  const bool was = s.enabled;
  s.enabled = on;
  return was;
}

}  // namespace mt
