// Fused optimiser updates: one pass over a variable and its slots instead of a dozen
// element-wise kernels, each reading and writing the whole tensor.
#pragma once

namespace mt {

// Hyper-parameters of one Adam/AdamW update, as the float32 scalars the element-wise version
// multiplies by (so both round alike).
struct AdamParams {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  float biasCorrection1, biasCorrection2;  // 1 − β₁ᵗ, 1 − β₂ᵗ
  float epsilon, negLr;
  float l2;           // coupled decay: g ← g + l2·w (0: none)
  float decayFactor;  // decoupled decay: w ← w·decayFactor (1: none)
};

// w2, m2, v2 = one Adam step from w, g, m, v (n elements); outputs may not alias inputs.
void adamUpdate(const AdamParams& p, const float* w, const float* g, const float* m, const float* v, float* w2, float* m2,
                float* v2, long n);

}  // namespace mt
