// Batch normalisation in training mode over the leading axes of a channels-last tensor
// (x viewed as rows × c): batch statistics, normalisation, and the full gradient in two passes
// each, where the composite formulation runs some twenty element-wise kernels.
#pragma once

namespace mt {

// mean, variance (population, over rows) of x; y = (x − mean)·rsqrt(variance + eps)·gamma + beta.
void batchNormTrain(const float* x, const float* gamma, const float* beta, long rows, long c, float eps, float* y, float* mean,
                    float* variance);

// Gradients of y = batchNormTrain(x, gamma, beta) (statistics from the same x) given dy.
void batchNormGrad(const float* dy, const float* x, const float* gamma, const float* mean, const float* variance, long rows,
                   long c, float eps, float* dx, float* dgamma, float* dbeta);

}  // namespace mt
