// Element-wise binary ops (add, sub, mul, div) with the operand broadcasting batch norm and Adam
// use: same shape, or one side repeating (a per-channel vector or a scalar).
#pragma once

namespace mt {

enum class BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };

// out[i] = a[i % an] op b[i % bn] for i < n; an and bn each equal n or divide it.
void binary(BinaryOp op, const float* a, long an, const float* b, long bn, float* out, long n);

// Gradient of min(max(x, 0), 6): dx[i] = dy[i] where 0 < x[i] ≤ 6, else 0 (tfjs' convention at
// the kinks: the ReLU side is closed at 0, the clip side open at 6).
void relu6Grad(const float* dy, const float* x, float* dx, long n);
// Gradient of max(x, 0): dx[i] = dy[i] where x[i] > 0, else 0 (one pass in place of tfjs' Step,
// Cast and Multiply).
void reluGrad(const float* dy, const float* x, float* dx, long n);

}  // namespace mt
