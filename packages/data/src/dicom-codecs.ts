// Compressed DICOM frames → samples through WebAssembly codecs from npm (CharLS, libjpeg-turbo,
// OpenJPEG, OpenJPH) and jpeg-lossless-decoder-js. The Emscripten modules are instantiated
// synchronously (Node allows it), so decoding stays synchronous like the rest of image loading.
import { readFileSync } from 'node:fs';
import type { PixelCodec } from './dicom-syntax';

/** One decoded frame: samples pixel-interleaved (R G B R G B … for colour). */
export interface CodecFrame {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  samples: Uint8Array | Uint16Array | Int16Array;
  /** The codec produced signed values itself (a signed JPEG 2000 component); otherwise samples are DICOM stored bit patterns. */
  signed: boolean;
}

/** A codec failure; dicom.ts adds the file and transfer syntax. */
export class CodecError extends Error {
  /** `false` when the data is not at fault (a codec that does not load, a variant no codec reads). */
  constructor(
    message: string,
    readonly dataMayBeDamaged = true,
  ) {
    super(message);
  }
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** What the Emscripten/embind codec classes share. */
export interface EmbindCoder {
  getEncodedBuffer(length?: number): Uint8Array;
  getDecodedBuffer(info?: FrameInfo & Record<string, unknown>): Uint8Array;
  decode(): void;
  encode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  delete(): void;
  [method: string]: unknown;
}

export type EmscriptenModule = Record<string, unknown> & { errors: string[] };

/** The part of the WebAssembly global used here (its types are not in this project's lib). */
interface WasmApi {
  Module: new (binary: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  RuntimeError: new () => Error;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * Instantiates an Emscripten module synchronously: its `instantiateWasm` hook compiles the `.wasm`
 * with `new WebAssembly.Module` instead of the asynchronous default. Messages the library prints to
 * stderr are kept in `errors` (the last few) for error messages; stdout chatter is dropped.
 */
export function loadEmscriptenSync(jsPath: string, wasmPath: string): EmscriptenModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(jsPath) as ((m: object) => unknown) | { default: (m: object) => unknown };
  const create = typeof factory === 'function' ? factory : factory.default;
  const binary = readFileSync(wasmPath);
  const errors: string[] = [];
  const mod: EmscriptenModule = {
    errors,
    print: () => undefined,
    printErr: (line: string) => {
      errors.push(line);
      if (errors.length > 8) errors.shift();
    },
    instantiateWasm(imports: object, receive: (instance: object, module: object) => void) {
      const compiled = new wasm.Module(binary);
      const instance = new wasm.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  };
  create(mod); // runs to completion synchronously with the hook above; the returned promise is not needed
  return mod;
}

/** The decode-only builds (smaller than the encode + decode ones). */
const WASM: Record<'jpeg' | 'jpeg-ls' | 'j2k' | 'htj2k', { pkg: string; js: string; wasm: string; decoder: string }> = {
  jpeg: { pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', js: 'decodewasmjs', wasm: 'decodewasm', decoder: 'JPEGDecoder' },
  'jpeg-ls': { pkg: '@cornerstonejs/codec-charls', js: 'decodewasmjs', wasm: 'decodewasm', decoder: 'JpegLSDecoder' },
  j2k: { pkg: '@cornerstonejs/codec-openjpeg', js: 'decodewasmjs', wasm: 'decodewasm', decoder: 'J2KDecoder' },
  htj2k: { pkg: '@cornerstonejs/codec-openjph', js: 'wasmjs', wasm: 'wasm', decoder: 'HTJ2KDecoder' },
};

const modules = new Map<string, EmscriptenModule>();

function wasmModule(kind: keyof typeof WASM): EmscriptenModule {
  let mod = modules.get(kind);
  if (!mod) {
    const w = WASM[kind];
    try {
      mod = loadEmscriptenSync(require.resolve(`${w.pkg}/${w.js}`), require.resolve(`${w.pkg}/${w.wasm}`));
    } catch (err) {
      throw new CodecError(`could not load ${w.pkg} (${err instanceof Error ? err.message : String(err)}); reinstall with \`npm ci\``, false);
    }
    modules.set(kind, mod);
  }
  return mod;
}

/** An exception from a codec: embind rethrows C++ exceptions as numbers, so name the library's last stderr lines instead. */
function codecFailure(kind: keyof typeof WASM, mod: EmscriptenModule, err: unknown): CodecError {
  if (err instanceof wasm.RuntimeError) modules.delete(kind); // a trapped instance may be corrupt: load afresh next time
  const said = mod.errors.splice(0).filter((l) => !/^\[INFO\]/.test(l));
  const what = err instanceof Error ? err.message : typeof err === 'number' ? `C++ exception` : String(err);
  return new CodecError(`${WASM[kind].pkg} failed: ${what}${said.length ? ` (${said.join('; ')})` : ''}`);
}

function runEmbind(kind: keyof typeof WASM, bytes: Uint8Array): CodecFrame {
  const mod = wasmModule(kind);
  mod.errors.length = 0;
  const Ctor = mod[WASM[kind].decoder] as new () => EmbindCoder;
  let coder: EmbindCoder | undefined;
  try {
    coder = new Ctor();
    coder.getEncodedBuffer(bytes.length).set(bytes);
    coder.decode();
    const info = coder.getFrameInfo();
    const raw = new Uint8Array(coder.getDecodedBuffer()); // copy out of the wasm heap before delete()
    const interleave = kind === 'jpeg-ls' && info.componentCount > 1 ? coder.getInterleaveMode!() : 2;
    const wide = info.bitsPerSample > 8;
    const signed = (kind === 'j2k' || kind === 'htj2k') && info.isSigned === true;
    const n = info.width * info.height * info.componentCount;
    let samples: CodecFrame['samples'] = wide ? (signed ? new Int16Array(raw.buffer, 0, n) : new Uint16Array(raw.buffer, 0, n)) : raw.subarray(0, n);
    if (samples.length < n) throw new CodecError(`decoded ${samples.length} samples, expected ${n}`);
    if (interleave === 0) samples = interleavePlanes(samples, info.width * info.height, info.componentCount);
    return { width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, samples, signed };
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw codecFailure(kind, mod, err);
  } finally {
    coder?.delete();
  }
}

/** Plane-by-plane (R…R G…G B…B) → pixel-interleaved. */
export function interleavePlanes<T extends CodecFrame['samples']>(planar: T, plane: number, components: number): T {
  const out = new (planar.constructor as new (n: number) => T)(plane * components);
  for (let c = 0; c < components; c++) for (let i = 0; i < plane; i++) out[i * components + c] = planar[c * plane + i];
  return out;
}

/** Sample precision from the first SOF marker of a JPEG stream (libjpeg-turbo-8bit reads 8 bits only). */
function jpegPrecision(bytes: Uint8Array): number | undefined {
  for (let i = 2; i + 4 < bytes.length; ) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 4];
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return undefined;
}

interface LosslessDecoder {
  decompress(buffer: ArrayBuffer, offset?: number, length?: number): ArrayBuffer;
  frame: { dimX: number; dimY: number; numComp: number; precision: number };
}

function decodeJpegLossless(bytes: Uint8Array): CodecFrame {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Decoder } = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const decoder = new Decoder();
  let out: ArrayBuffer;
  try {
    const copy = new Uint8Array(bytes); // a copy: the decoder wants a whole ArrayBuffer (Buffer.slice would be a view)
    out = decoder.decompress(copy.buffer, 0, copy.length);
  } catch (err) {
    throw new CodecError(`jpeg-lossless-decoder-js failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { dimX, dimY, numComp, precision } = decoder.frame;
  const n = dimX * dimY * numComp;
  const samples = precision > 8 ? new Uint16Array(out, 0, Math.min(n, out.byteLength >> 1)) : new Uint8Array(out, 0, Math.min(n, out.byteLength));
  if (samples.length < n) throw new CodecError(`jpeg-lossless-decoder-js decoded ${samples.length} samples, expected ${n}`);
  return { width: dimX, height: dimY, components: numComp, bitsPerSample: precision, samples, signed: false };
}

/** Decodes one compressed frame (a whole codestream) with the codec of its transfer syntax. */
export function decodeFrame(codec: Exclude<PixelCodec, 'native' | 'encapsulated-native' | 'rle'>, bytes: Uint8Array): CodecFrame {
  if (codec === 'jpeg-lossless') return decodeJpegLossless(bytes);
  if (codec === 'jpeg') {
    const precision = jpegPrecision(bytes);
    if (precision !== undefined && precision !== 8) {
      throw new CodecError(`${precision}-bit JPEG (Process 4) is not decoded: ${WASM.jpeg.pkg} reads 8-bit JPEG only; convert the file with e.g. \`gdcmconv --raw\``, false);
    }
  }
  return runEmbind(codec, bytes);
}
