// Names of the fused kernels a compute path may register with tfjs (the engine's native path
// does), so a model layer can ask `tf.getKernel(name, backend)` whether the fused form exists
// without depending on the engine.

/** Batch norm in training mode: inputs {x, gamma, beta}, attrs {epsilon}; outputs [y, mean, variance]. */
export const BATCH_NORM_TRAIN_KERNEL = 'MedtransferBatchNormTrain';
/** Its gradient: inputs {dy, x, gamma, mean, variance}, attrs {epsilon}; outputs [dx, dgamma, dbeta]. */
export const BATCH_NORM_GRAD_KERNEL = 'MedtransferBatchNormGrad';
/** Gradient of ReLU6: inputs {dy, x}; output dx = dy where 0 < x ≤ 6, else 0. */
export const RELU6_GRAD_KERNEL = 'MedtransferRelu6Grad';
/** Gradient of ReLU: inputs {dy, x}; output dx = dy where x > 0, else 0. */
export const RELU_GRAD_KERNEL = 'MedtransferReluGrad';
