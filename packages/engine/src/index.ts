// @medtransfer/engine: backend selection, training loop, optimisers, metrics, evaluation, progress.
export * from './metrics';
export * from './losses';
export * from './optimizers';
export * from './evaluate';
export * from './progress';
export * from './train';
export { selectBackend, type BackendPreference, type SelectedBackend } from './backend/select';
export { registerWasmGradients, wasmGradientKernels } from './backend/wasm-gradients';
export { installNativeKernels, nativeKernelNames, nativeKernelsEnabled, nativeStatus, setNativeKernelsEnabled, type NativeStatus } from './backend/native';
export * from './train-state';
export * from './schedules';
export * from './clip';
export * from './early-stopping';
