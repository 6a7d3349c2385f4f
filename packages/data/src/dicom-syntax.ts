// DICOM transfer syntaxes (PS3.5 §8, §10, Annex A): which ones this package decodes, how the pixel
// data is stored (native or encapsulated) and which codec decodes each frame.

/** How a transfer syntax stores pixel data, i.e. which decoder a frame goes through. */
export type PixelCodec =
  | 'native' // uncompressed, in the data set's byte order
  | 'encapsulated-native' // uncompressed frames in encapsulated fragments
  | 'jpeg' // JPEG baseline / extended, 8-bit (libjpeg-turbo)
  | 'jpeg-lossless' // JPEG process 14 (jpeg-lossless-decoder-js)
  | 'jpeg-ls' // CharLS
  | 'j2k' // OpenJPEG
  | 'htj2k' // OpenJPH
  | 'rle'; // DICOM RLE (dicom-rle.ts)

export interface TransferSyntax {
  uid: string;
  name: string;
  codec: PixelCodec;
  /** The npm package (or this package's file) that decodes it, for docs and messages. */
  decoder: string;
  /** Lossy: decoded values only approximate the original. */
  lossy?: boolean;
}

const ts = (uid: string, name: string, codec: PixelCodec, decoder: string, lossy = false): TransferSyntax => ({ uid, name, codec, decoder, ...(lossy ? { lossy } : {}) });

const NATIVE = 'built in (dicom-parser tags)';
const TURBO = '@cornerstonejs/codec-libjpeg-turbo-8bit';
const CHARLS = '@cornerstonejs/codec-charls';
const OPENJPEG = '@cornerstonejs/codec-openjpeg';
const OPENJPH = '@cornerstonejs/codec-openjph';

/** Every transfer syntax the reader decodes, keyed by UID. */
export const DICOM_TRANSFER_SYNTAXES: Record<string, TransferSyntax> = Object.fromEntries(
  [
    ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', NATIVE),
    ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native', NATIVE),
    ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native', `${NATIVE} + node:zlib`),
    ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', NATIVE),
    ts('1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', 'encapsulated-native', NATIVE),
    ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg', TURBO, true),
    ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg', TURBO, true),
    ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless', 'jpeg-lossless-decoder-js'),
    ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)', 'jpeg-lossless', 'jpeg-lossless-decoder-js'),
    ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls', CHARLS),
    ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', CHARLS, true),
    ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'j2k', OPENJPEG),
    ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'j2k', OPENJPEG, true),
    ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', 'htj2k', OPENJPH),
    ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', 'htj2k', OPENJPH),
    ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', 'htj2k', OPENJPH, true),
    ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle', 'built in (dicom-rle.ts, PS3.5 Annex G)'),
  ].map((t) => [t.uid, t]),
);

/** Names of transfer syntaxes that are recognised but not decoded, for the error message. */
export const DICOM_UNSUPPORTED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile @ Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile @ High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile / Level 5.1',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.4.204': 'JPIP HTJ2K Referenced',
};

/** The uncompressed transfer syntaxes (kept for callers of the earlier API). */
export const DICOM_UNCOMPRESSED: Record<string, string> = Object.fromEntries(
  Object.values(DICOM_TRANSFER_SYNTAXES)
    .filter((t) => t.codec === 'native')
    .map((t) => [t.uid, t.name]),
);

/** `UID (name)` for messages, known or not. */
export function transferSyntaxLabel(uid: string): string {
  const name = DICOM_TRANSFER_SYNTAXES[uid]?.name ?? DICOM_UNSUPPORTED_NAMES[uid] ?? 'unknown transfer syntax';
  return `${uid || '(missing)'} (${name})`;
}

/** One line per decoded syntax, for the unsupported-syntax message. */
export function supportedSyntaxList(): string {
  return Object.values(DICOM_TRANSFER_SYNTAXES)
    .map((t) => `${t.uid} ${t.name}`)
    .join('; ');
}
