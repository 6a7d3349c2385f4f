// @medtransfer/bench: training and inference throughput of zoo nets per tfjs backend, side by
// side with the same nets in PyTorch. The command is `npm run bench` (src/main.ts).
export { parseBenchArgs, DEFAULTS, PEER_ONLY_NETS, USAGE, type BenchOptions, type TorchMode } from './args';
export { parseNetParams } from './args';
export { countFlops, TRAINING_FACTOR, type FlopCount, type LayerFlops } from './flops';
export { describeMachine, parseCpuInfo, type MachineInfo } from './machine';
export { measureJs, type JsMeasureOptions, type JsResult, type Timing } from './measure';
export { BUSY_LOAD, FLOP_CONVENTION, TABLE_COLUMNS, bestTorch, formatHeader, formatRate, formatRatio, formatReport, tableRow } from './report';
export type { BenchReport, BenchRow } from './report';
export { runBench } from './run';
export { PEER_SCRIPT, PEER_UNSET_ENV, TORCH_LAYOUTS, parsePeerOutput, peerEnv, probeTorch, runPeer } from './torch-peer';
export type { PeerInfo, PeerResult, PeerRunOptions, PeerTiming, TorchLayout } from './torch-peer';
