// The machine a trial ran on, recorded in its config.json so the exported table can tell timings
// from different hosts apart (results merged from several machines, a cluster's mixed nodes).
import { arch, cpus, hostname, platform, totalmem } from 'node:os';

export interface MachineInfo {
  host: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    host: hostname(),
    platform: platform(),
    arch: arch(),
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}
