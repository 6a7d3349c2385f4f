// What the numbers were measured on: cores, CPU model and vector extensions, Node and tfjs
// versions, and the load average (other work on the machine slows both sides).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { nativeStatus } from '@medtransfer/engine';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  /** The vector extensions that matter for conv kernels, as /proc/cpuinfo lists them. */
  cpuFlags: string[];
  node: string;
  tfjs: string;
  platform: string;
  /** The native kernels as the backend describes them (instruction set, threads, oneDNN), or why unavailable. */
  native?: string;
  /** 1-, 5- and 15-minute load averages when the run started. */
  loadStart: number[];
  /** … and when it ended (filled in at the end of the run). */
  loadEnd?: number[];
  date: string;
}

const FLAGS_OF_INTEREST = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'neon', 'asimd'];

/** The CPU model name and interesting flags from /proc/cpuinfo text (Linux x86 and ARM layouts). */
export function parseCpuInfo(text: string): { model?: string; flags: string[] } {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const model = field('model name') ?? field('Model') ?? field('Hardware');
  const have = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  return { model, flags: FLAGS_OF_INTEREST.filter((f) => have.has(f)) };
}

const round2 = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);

export function currentLoad(): number[] {
  return round2(os.loadavg());
}

export function describeMachine(): MachineInfo {
  let cpu: { model?: string; flags: string[] } = { flags: [] };
  try {
    cpu = parseCpuInfo(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // not Linux: os.cpus() still names the model
  }
  return {
    cores: os.cpus().length,
    cpuModel: cpu.model ?? os.cpus()[0]?.model ?? 'unknown',
    cpuFlags: cpu.flags,
    node: process.version,
    tfjs: tf.version.tfjs,
    platform: `${os.platform()} ${os.arch()}`,
    native: nativeKernelsDescription(),
    loadStart: currentLoad(),
    date: new Date().toISOString(),
  };
}

function nativeKernelsDescription(): string {
  const status = nativeStatus();
  return status.available ? status.describe : `unavailable (${status.reason})`;
}
