// @medtransfer/engine: backend selection, training loop, optimisers, evaluation, progress (metrics are in core).
export * from './losses';
export * from './optimizers';
export * from './evaluate';
export { evaluationPlan, foldedEvaluator, type FoldedEvaluator } from './folded/evaluator';
export * from './progress';
export * from './train';
export { selectBackend, type BackendPreference, type SelectedBackend } from './backend/select';
export { registerWasmGradients, wasmGradientKernels } from './backend/wasm-gradients';
export { installNativeKernels, nativeKernelNames, nativeKernelsEnabled, nativeStatus, setNativeKernelsEnabled, type NativeStatus } from './backend/native';
export * from './train-state';
export * from './schedules';
export * from './clip';
export * from './early-stopping';
export * from './throughput';
export { WASM_HEAP_MAX_BYTES, WasmHeapError, isWasmHeapFailure, tfjsUsable, wasmHeapMessage, type HeapEstimate, type HeapRunInfo } from './backend/heap-limit';
export { HEAP_WARN_FRACTION, checkStepFitsHeap, measureStepMemory } from './memory-check';
