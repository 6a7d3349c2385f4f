// Node-API entry points of the medtransfer native kernels. Every function takes Float32Arrays
// (inputs and a preallocated output) plus an Int32Array geometry; shapes are checked by the caller.
// A C++ exception (from this thread or a pool worker) becomes a JavaScript Error, see guarded().
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "batchnorm.h"
#include "conv.h"
#include "depthwise.h"
#include "dnnl-conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "optim.h"
#include "reduce.h"
#include "thread-pool.h"

namespace {

struct Args {
  napi_env env;
  napi_value argv[12];
  size_t argc = 12;
  bool ok = true;
};

bool getArgs(napi_env env, napi_callback_info info, Args& a, size_t need) {
  a.env = env;
  napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr);
  if (a.argc < need) {
    napi_throw_type_error(env, nullptr, ("expected " + std::to_string(need) + " arguments").c_str());
    return false;
  }
  return true;
}

// Float32Array data, or null when the value is null/undefined and allowed to be.
float* floats(Args& a, int i, bool optional = false) {
  napi_valuetype t;
  napi_typeof(a.env, a.argv[i], &t);
  if (optional && (t == napi_null || t == napi_undefined)) return nullptr;
  bool isTyped = false;
  napi_is_typedarray(a.env, a.argv[i], &isTyped);
  napi_typedarray_type type;
  size_t length;
  void* data = nullptr;
  if (isTyped) napi_get_typedarray_info(a.env, a.argv[i], &type, &length, &data, nullptr, nullptr);
  if (!isTyped || type != napi_float32_array) {
    if (a.ok) napi_throw_type_error(a.env, nullptr, ("argument " + std::to_string(i) + " must be a Float32Array").c_str());
    a.ok = false;
    return nullptr;
  }
  return static_cast<float*>(data);
}

bool geom(Args& a, int i, mt::ConvGeom& g) {
  bool isTyped = false;
  napi_is_typedarray(a.env, a.argv[i], &isTyped);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (isTyped) napi_get_typedarray_info(a.env, a.argv[i], &type, &length, &data, nullptr, nullptr);
  if (!isTyped || type != napi_int32_array || length != 15) {
    napi_throw_type_error(a.env, nullptr, "geometry must be an Int32Array of 15 values");
    return false;
  }
  const int32_t* v = static_cast<int32_t*>(data);
  g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return true;
}

int32_t integer(Args& a, int i) {
  int32_t v = 0;
  if (napi_get_value_int32(a.env, a.argv[i], &v) != napi_ok && a.ok) {
    napi_throw_type_error(a.env, nullptr, ("argument " + std::to_string(i) + " must be a number").c_str());
    a.ok = false;
  }
  return v;
}

// conv2d(geom, x, w, y, bias | null, activation)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 6) || !geom(a, 0, g)) return nullptr;
  const float *x = floats(a, 1), *w = floats(a, 2);
  float* y = floats(a, 3);
  const float* bias = floats(a, 4, true);
  const int act = integer(a, 5);
  if (!a.ok) return nullptr;
  const auto activation = static_cast<mt::Activation>(act);
  if (!mt::dnnlConv2d(g, x, w, bias, activation, y)) mt::conv2d(g, x, w, bias, activation, y);
  return nullptr;
}

// conv2dBackpropInput(geom, dy, w, dx)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 4) || !geom(a, 0, g)) return nullptr;
  const float *dy = floats(a, 1), *w = floats(a, 2);
  float* dx = floats(a, 3);
  if (!a.ok) return nullptr;
  if (!mt::dnnlConv2dBackpropInput(g, dy, w, dx)) mt::conv2dBackpropInput(g, dy, w, dx);
  return nullptr;
}

// conv2dBackpropFilter(geom, x, dy, dw)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 4) || !geom(a, 0, g)) return nullptr;
  const float *x = floats(a, 1), *dy = floats(a, 2);
  float* dw = floats(a, 3);
  if (!a.ok) return nullptr;
  if (!mt::dnnlConv2dBackpropFilter(g, x, dy, dw)) mt::conv2dBackpropFilter(g, x, dy, dw);
  return nullptr;
}

// Depthwise geometry: co must be a positive multiple of c (the channel multiplier).
bool depthwiseGeom(Args& a, int i, mt::ConvGeom& g) {
  if (!geom(a, i, g)) return false;
  if (g.c <= 0 || g.co <= 0 || g.co % g.c != 0) {
    napi_throw_range_error(a.env, nullptr, "depthwise: output channels (geometry[14]) must be a positive multiple of input channels (geometry[3])");
    return false;
  }
  return true;
}

// depthwiseConv2d(geom, x, w, y, bias | null, activation); w is [kh, kw, c, multiplier]
napi_value DepthwiseConv2d(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 6) || !depthwiseGeom(a, 0, g)) return nullptr;
  const float *x = floats(a, 1), *w = floats(a, 2);
  float* y = floats(a, 3);
  const float* bias = floats(a, 4, true);
  const int act = integer(a, 5);
  if (!a.ok) return nullptr;
  const auto activation = static_cast<mt::Activation>(act);
  if (!mt::dnnlDepthwiseConv2d(g, x, w, bias, activation, y)) mt::depthwiseConv2d(g, x, w, bias, activation, y);
  return nullptr;
}

// depthwiseConv2dBackpropInput(geom, dy, w, dx)
napi_value DepthwiseConv2dBackpropInput(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 4) || !depthwiseGeom(a, 0, g)) return nullptr;
  const float *dy = floats(a, 1), *w = floats(a, 2);
  float* dx = floats(a, 3);
  if (!a.ok) return nullptr;
  if (!mt::dnnlDepthwiseConv2dBackpropInput(g, dy, w, dx)) mt::depthwiseConv2dBackpropInput(g, dy, w, dx);
  return nullptr;
}

// depthwiseConv2dBackpropFilter(geom, x, dy, dw)
napi_value DepthwiseConv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 4) || !depthwiseGeom(a, 0, g)) return nullptr;
  const float *x = floats(a, 1), *dy = floats(a, 2);
  float* dw = floats(a, 3);
  if (!a.ok) return nullptr;
  mt::depthwiseConv2dBackpropFilter(g, x, dy, dw);
  return nullptr;
}

// maxPool(geom, x, y)
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 3) || !geom(a, 0, g)) return nullptr;
  const float* x = floats(a, 1);
  float* y = floats(a, 2);
  if (!a.ok) return nullptr;
  mt::maxPool(g, x, y);
  return nullptr;
}

// maxPoolGrad(geom, x, y, dy, dx), y = maxPool(x)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a;
  mt::ConvGeom g;
  if (!getArgs(env, info, a, 5) || !geom(a, 0, g)) return nullptr;
  const float *x = floats(a, 1), *y = floats(a, 2), *dy = floats(a, 3);
  float* dx = floats(a, 4);
  if (!a.ok) return nullptr;
  mt::maxPoolGrad(g, x, y, dy, dx);
  return nullptr;
}

// matMul(a, b, c, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride)
// c[batch] = op(a[batch]) · op(b[batch]); a batch stride of 0 broadcasts that operand.
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 11)) return nullptr;
  const float *A = floats(a, 0), *B = floats(a, 1);
  float* C = floats(a, 2);
  const long batch = integer(a, 3), m = integer(a, 4), n = integer(a, 5), k = integer(a, 6);
  const bool ta = integer(a, 7) != 0, tb = integer(a, 8) != 0;
  const long sa = integer(a, 9), sb = integer(a, 10);
  if (!a.ok) return nullptr;
  for (long i = 0; i < batch; i++) {
    // op(A) is m × k: stored m × k (rs k, cs 1) or k × m (rs 1, cs m).
    mt::StridedA opA(A + i * sa, ta ? 1 : k, ta ? m : 1);
    mt::StridedB opB(B + i * sb, tb ? 1 : n, tb ? k : 1);
    mt::gemm(m, n, k, opA, opB, C + i * m * n, n, false);
  }
  return nullptr;
}

// reduceOuter(x, y, outer, inner, scale): y[j] = scale · Σ_i x[i·inner + j]
napi_value ReduceOuter(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 5)) return nullptr;
  const float* x = floats(a, 0);
  float* y = floats(a, 1);
  const long outer = integer(a, 2), inner = integer(a, 3);
  double scale = 1;
  if (a.ok) napi_get_value_double(env, a.argv[4], &scale);
  if (!a.ok) return nullptr;
  mt::reduceOuter(x, y, outer, inner, static_cast<float>(scale));
  return nullptr;
}

// binary(op, a, b, out): out[i] = a[i % a.length] op b[i % b.length], op 0 add 1 sub 2 mul 3 div
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 4)) return nullptr;
  const int op = integer(a, 0);
  const float *x = floats(a, 1), *y = floats(a, 2);
  float* out = floats(a, 3);
  if (!a.ok) return nullptr;
  size_t xn, yn, n;
  napi_typedarray_type type;
  napi_get_typedarray_info(env, a.argv[1], &type, &xn, nullptr, nullptr, nullptr);
  napi_get_typedarray_info(env, a.argv[2], &type, &yn, nullptr, nullptr, nullptr);
  napi_get_typedarray_info(env, a.argv[3], &type, &n, nullptr, nullptr, nullptr);
  if (op < 0 || op > 3 || xn == 0 || yn == 0 || n % xn != 0 || n % yn != 0 || (xn != n && yn != n)) {
    napi_throw_range_error(env, nullptr, "binary: operand sizes must equal or divide the output size");
    return nullptr;
  }
  mt::binary(static_cast<mt::BinaryOp>(op), x, static_cast<long>(xn), y, static_cast<long>(yn), out, static_cast<long>(n));
  return nullptr;
}

// adam(w, g, m, v, w2, m2, v2, params): params is a Float64Array [β₁, 1−β₁, β₂, 1−β₂, 1−β₁ᵗ,
// 1−β₂ᵗ, ε, −lr, l2, decayFactor]; all tensors the same length.
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 8)) return nullptr;
  const float *w = floats(a, 0), *g = floats(a, 1), *m = floats(a, 2), *v = floats(a, 3);
  float *w2 = floats(a, 4), *m2 = floats(a, 5), *v2 = floats(a, 6);
  if (!a.ok) return nullptr;
  size_t n = 0, k = 0;
  napi_typedarray_type type;
  void* data = nullptr;
  napi_get_typedarray_info(env, a.argv[0], &type, &n, nullptr, nullptr, nullptr);
  for (int i = 1; i < 7; i++) {
    size_t len = 0;
    napi_get_typedarray_info(env, a.argv[i], &type, &len, nullptr, nullptr, nullptr);
    if (len != n) {
      napi_throw_range_error(env, nullptr, "adam: the variable, gradient, slots and outputs must have the same length");
      return nullptr;
    }
  }
  bool isTyped = false;
  napi_is_typedarray(env, a.argv[7], &isTyped);
  if (isTyped) napi_get_typedarray_info(env, a.argv[7], &type, &k, &data, nullptr, nullptr);
  if (!isTyped || type != napi_float64_array || k != 10) {
    napi_throw_type_error(env, nullptr, "adam: params must be a Float64Array of 10 values");
    return nullptr;
  }
  const double* q = static_cast<double*>(data);
  const mt::AdamParams p{static_cast<float>(q[0]), static_cast<float>(q[1]), static_cast<float>(q[2]), static_cast<float>(q[3]),
                         static_cast<float>(q[4]), static_cast<float>(q[5]), static_cast<float>(q[6]), static_cast<float>(q[7]),
                         static_cast<float>(q[8]), static_cast<float>(q[9])};
  mt::adamUpdate(p, w, g, m, v, w2, m2, v2, static_cast<long>(n));
  return nullptr;
}

// Length of the typed array argument i (0 when it is not one).
size_t lengthOf(Args& a, int i) {
  napi_typedarray_type type;
  size_t n = 0;
  napi_get_typedarray_info(a.env, a.argv[i], &type, &n, nullptr, nullptr, nullptr);
  return n;
}

double number(Args& a, int i) {
  double v = 0;
  if (napi_get_value_double(a.env, a.argv[i], &v) != napi_ok && a.ok) {
    napi_throw_type_error(a.env, nullptr, ("argument " + std::to_string(i) + " must be a number").c_str());
    a.ok = false;
  }
  return v;
}

// batchNormTrain(x, gamma, beta, eps, y, mean, variance): channels = gamma's length.
napi_value BatchNormTrain(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 7)) return nullptr;
  const float *x = floats(a, 0), *gamma = floats(a, 1), *beta = floats(a, 2);
  const double eps = number(a, 3);
  float *y = floats(a, 4), *mean = floats(a, 5), *variance = floats(a, 6);
  if (!a.ok) return nullptr;
  const size_t n = lengthOf(a, 0), c = lengthOf(a, 1);
  if (c == 0 || n % c != 0 || lengthOf(a, 2) != c || lengthOf(a, 4) != n || lengthOf(a, 5) != c || lengthOf(a, 6) != c) {
    napi_throw_range_error(env, nullptr, "batchNormTrain: x and y must hold rows × c values, gamma, beta, mean and variance c");
    return nullptr;
  }
  mt::batchNormTrain(x, gamma, beta, static_cast<long>(n / c), static_cast<long>(c), static_cast<float>(eps), y, mean, variance);
  return nullptr;
}

// batchNormGrad(dy, x, gamma, mean, variance, eps, dx, dgamma, dbeta)
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 9)) return nullptr;
  const float *dy = floats(a, 0), *x = floats(a, 1), *gamma = floats(a, 2), *mean = floats(a, 3), *variance = floats(a, 4);
  const double eps = number(a, 5);
  float *dx = floats(a, 6), *dgamma = floats(a, 7), *dbeta = floats(a, 8);
  if (!a.ok) return nullptr;
  const size_t n = lengthOf(a, 1), c = lengthOf(a, 2);
  if (c == 0 || n % c != 0 || lengthOf(a, 0) != n || lengthOf(a, 6) != n || lengthOf(a, 3) != c || lengthOf(a, 4) != c ||
      lengthOf(a, 7) != c || lengthOf(a, 8) != c) {
    napi_throw_range_error(env, nullptr, "batchNormGrad: dy, x and dx must hold rows × c values, the per-channel arrays c");
    return nullptr;
  }
  mt::batchNormGrad(dy, x, gamma, mean, variance, static_cast<long>(n / c), static_cast<long>(c), static_cast<float>(eps), dx,
                    dgamma, dbeta);
  return nullptr;
}

// relu6Grad(dy, x, dx) and reluGrad(dy, x, dx): all the same length.
template <bool kRelu6>
napi_value ReluGradOf(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 3)) return nullptr;
  const float *dy = floats(a, 0), *x = floats(a, 1);
  float* dx = floats(a, 2);
  if (!a.ok) return nullptr;
  const size_t n = lengthOf(a, 0);
  if (lengthOf(a, 1) != n || lengthOf(a, 2) != n) {
    napi_throw_range_error(env, nullptr, kRelu6 ? "relu6Grad: dy, x and dx must have the same length"
                                                : "reluGrad: dy, x and dx must have the same length");
    return nullptr;
  }
  (kRelu6 ? mt::relu6Grad : mt::reluGrad)(dy, x, dx, static_cast<long>(n));
  return nullptr;
}

// _throwInPool(message): for the tests only. Runs a pool job whose first task on a worker thread
// throws std::runtime_error (on the calling thread when the pool has no workers); the calling
// thread's tasks wait for that, so the exception really starts on a worker.
napi_value ThrowInPool(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 1)) return nullptr;
  char buf[256];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, a.argv[0], buf, sizeof buf, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "argument 0 must be a string");
    return nullptr;
  }
  const std::string message(buf, len);
  mt::ThreadPool& pool = mt::ThreadPool::get();
  const bool workers = pool.size() > 1;
  std::atomic<bool> thrown{false};
  pool.run(pool.size() * 4, [&](int, int thread) {
    if (thread != 0 || !workers) {
      if (!thrown.exchange(true)) throw std::runtime_error(message + " (pool thread " + std::to_string(thread) + ")");
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!thrown.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, isa, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, mt::kIsa, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, mt::ThreadPool::get().size(), &threads);
  napi_set_named_property(env, obj, "isa", isa);
  napi_set_named_property(env, obj, "threads", threads);
  const mt::DnnlInfo d = mt::dnnlInfo();
  napi_value dnnl;
  if (d.compiled) {
    napi_value version, enabled;
    napi_create_object(env, &dnnl);
    const std::string v = std::to_string(d.major) + "." + std::to_string(d.minor) + "." + std::to_string(d.patch);
    napi_create_string_utf8(env, v.c_str(), NAPI_AUTO_LENGTH, &version);
    napi_get_boolean(env, d.enabled, &enabled);
    napi_set_named_property(env, dnnl, "version", version);
    napi_set_named_property(env, dnnl, "enabled", enabled);
    napi_value calls;
    napi_create_double(env, d.calls, &calls);
    napi_set_named_property(env, dnnl, "calls", calls);
  } else {
    napi_get_null(env, &dnnl);
  }
  napi_set_named_property(env, obj, "dnnl", dnnl);
  return obj;
}

// setDnnl(on): turns the oneDNN convolutions on or off for later calls; returns the old state
// (always false in a build without oneDNN).
napi_value SetDnnl(napi_env env, napi_callback_info info) {
  Args a;
  if (!getArgs(env, info, a, 1)) return nullptr;
  bool on = false;
  if (napi_get_value_bool(env, a.argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, nullptr, "argument 0 must be a boolean");
    return nullptr;
  }
  napi_value was;
  napi_get_boolean(env, mt::setDnnlEnabled(on), &was);
  return was;
}

// Runs the entry point F and turns a C++ exception escaping it (its own, or one a pool worker
// threw, which ThreadPool::run rethrows here) into a JavaScript Error prefixed with the function's
// name; an exception must not cross into Node, which would terminate the process.
template <napi_value (*F)(napi_env, napi_callback_info)>
napi_value guarded(napi_env env, napi_callback_info info) {
  std::string error;
  try {
    return F(env, info);
  } catch (const std::bad_alloc&) {
    error = "out of memory (std::bad_alloc)";
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown C++ exception";
  }
  void* name = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &name);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, (static_cast<const char*>(name) + std::string(": ") + error).c_str());
  return nullptr;
}

// A property of the exports: the function `name`, its name also passed as the callback's data.
napi_property_descriptor entry(const char* name, napi_callback fn) {
  return {name, nullptr, fn, nullptr, nullptr, nullptr, napi_default, const_cast<char*>(name)};
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      entry("conv2d", guarded<Conv2d>),
      entry("conv2dBackpropInput", guarded<Conv2dBackpropInput>),
      entry("conv2dBackpropFilter", guarded<Conv2dBackpropFilter>),
      entry("depthwiseConv2d", guarded<DepthwiseConv2d>),
      entry("depthwiseConv2dBackpropInput", guarded<DepthwiseConv2dBackpropInput>),
      entry("depthwiseConv2dBackpropFilter", guarded<DepthwiseConv2dBackpropFilter>),
      entry("maxPool", guarded<MaxPool>),
      entry("maxPoolGrad", guarded<MaxPoolGrad>),
      entry("matMul", guarded<MatMul>),
      entry("reduceOuter", guarded<ReduceOuter>),
      entry("relu6Grad", guarded<ReluGradOf<true>>),
      entry("reluGrad", guarded<ReluGradOf<false>>),
      entry("binary", guarded<Binary>),
      entry("batchNormTrain", guarded<BatchNormTrain>),
      entry("batchNormGrad", guarded<BatchNormGrad>),
      entry("adam", guarded<Adam>),
      entry("info", guarded<Info>),
      entry("setDnnl", guarded<SetDnnl>),
      entry("_throwInPool", guarded<ThrowInPool>),
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
