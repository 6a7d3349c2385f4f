// DICOM in the image-file datasets (`dicom`, `folder`, `csv`): reads every DICOM file's header
// once (no pixels) to summarise the dataset (modality, photometric interpretation, transfer syntaxes,
// pixel spacing), to expand `frames: all` into one labelled item per frame, and to put the frame
// choice into the fingerprint when a file has several frames.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { type ImageDataset } from '@medtransfer/core';
import { isDicom, readDicomHeader, type DicomHeader, type FrameChoice } from './dicom';
import { DICOM_TRANSFER_SYNTAXES, DICOM_UNSUPPORTED_NAMES } from './dicom-syntax';
import type { ImageSetOptions, LabelledFile } from './image-set';

/** What the DICOM files of a dataset are, recorded as `dataset.dicom`. */
export interface DicomSummary {
  /** DICOM files read. */
  files: number;
  /** Images they became (one per file, or one per frame with `frames: all`). */
  images: number;
  /** Files with more than one frame, and the frame choice applied to them. */
  multiFrameFiles: number;
  frames: FrameChoice;
  /** Files per Modality (0008,0060); `(none)` when absent. */
  modalities: Record<string, number>;
  /** Files per Photometric Interpretation (0028,0004). */
  photometric: Record<string, number>;
  /** Files per transfer syntax UID, with its name. */
  transferSyntaxes: Record<string, { name: string; files: number }>;
  /** Smallest and largest row/column spacing in mm over the files that give one (Pixel Spacing, else Imager / Nominal Scanned Pixel Spacing). */
  pixelSpacing?: { min: [number, number]; max: [number, number]; files: number };
  /** Files without any pixel spacing attribute. */
  pixelSpacingMissing: number;
}

/** An image dataset with a summary of its DICOM files (absent when it has none). */
export type DicomImageDataset = ImageDataset & { dicom?: DicomSummary };

/** Enough of a file for its header, almost always: the rest is read only when the header is longer. */
const HEAD_BYTES = 256 * 1024;

/** The header of a DICOM file, reading only its first bytes when they hold it; undefined for other files. */
export function dicomFileHeader(file: string): DicomHeader | undefined {
  const fd = openSync(file, 'r');
  let head: Uint8Array;
  try {
    const magic = Buffer.alloc(132);
    if (!isDicom(magic.subarray(0, readSync(fd, magic, 0, 132, 0)))) return undefined; // PNG, JPEG: one small read
    const buf = Buffer.alloc(HEAD_BYTES);
    head = buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  if (head.length === HEAD_BYTES) {
    try {
      const h = readDicomHeader(head, file);
      if (h.rows && h.cols) return h;
    } catch {
      // a header cut short (or deflated data): read the whole file below
    }
  }
  return readDicomHeader(head.length < HEAD_BYTES ? head : readFileSync(file), file);
}

export interface PreparedDicom {
  items: LabelledFile[];
  setOptions: ImageSetOptions;
  summary?: DicomSummary;
  /** `frames: all` turned some file into several items. */
  expanded: boolean;
}

/**
 * Reads the DICOM headers of `items`, expands `frames: all` (frames of one file stay in its split,
 * with its labels; keys `path#frame`), and adds the frame choice to the fingerprint when any file is
 * multi-frame (single-frame datasets keep their fingerprints). Non-DICOM items pass unchanged.
 */
export function prepareDicomItems(items: readonly LabelledFile[], setOptions: ImageSetOptions, frames: FrameChoice = 'middle'): PreparedDicom {
  const out: LabelledFile[] = [];
  const s: DicomSummary = { files: 0, images: 0, multiFrameFiles: 0, frames, modalities: {}, photometric: {}, transferSyntaxes: {}, pixelSpacingMissing: 0 };
  const count = (rec: Record<string, number>, key: string) => (rec[key] = (rec[key] ?? 0) + 1);
  for (const item of items) {
    const h = dicomFileHeader(item.file);
    if (!h) {
      out.push(item);
      continue;
    }
    s.files++;
    if (h.frames > 1) s.multiFrameFiles++;
    count(s.modalities, h.modality ?? '(none)');
    count(s.photometric, h.photometric);
    const ts = (s.transferSyntaxes[h.transferSyntax] ??= {
      name: DICOM_TRANSFER_SYNTAXES[h.transferSyntax]?.name ?? DICOM_UNSUPPORTED_NAMES[h.transferSyntax] ?? 'unknown',
      files: 0,
    });
    ts.files++;
    if (h.pixelSpacing) {
      const { row, col } = h.pixelSpacing;
      const p = (s.pixelSpacing ??= { min: [row, col], max: [row, col], files: 0 });
      p.min = [Math.min(p.min[0], row), Math.min(p.min[1], col)];
      p.max = [Math.max(p.max[0], row), Math.max(p.max[1], col)];
      p.files++;
    } else s.pixelSpacingMissing++;
    if (frames === 'all' && h.frames > 1) {
      for (let f = 0; f < h.frames; f++) out.push({ ...item, key: `${item.key}#${f}`, frame: f });
    } else out.push(item);
  }
  s.images = out.length - (items.length - s.files);
  const extra = s.multiFrameFiles > 0 ? { ...(setOptions.fingerprintExtra as object), frames } : setOptions.fingerprintExtra;
  return {
    items: out,
    setOptions: { ...setOptions, fingerprintExtra: extra },
    ...(s.files > 0 ? { summary: s } : {}),
    expanded: out.length > items.length,
  };
}

/** One line for logs: `12 DICOM files → 40 images; CT 10, MR 2; MONOCHROME2 12; JPEG 2000 (Lossless Only) 12; spacing 0.5–0.8 mm`. */
export function describeDicomSummary(s: DicomSummary): string {
  const list = (rec: Record<string, number>) => Object.entries(rec).map(([k, n]) => `${k} ${n}`).join(', ');
  const syntaxes = Object.values(s.transferSyntaxes).map((t) => `${t.name} ${t.files}`).join(', ');
  const sp = s.pixelSpacing;
  const spacing = sp ? `pixel spacing ${Math.min(...sp.min)}–${Math.max(...sp.max)} mm (${sp.files} files)` : 'no pixel spacing';
  return `${s.files} DICOM files → ${s.images} images (frames: ${s.frames}, ${s.multiFrameFiles} multi-frame); ${list(s.modalities)}; ${list(s.photometric)}; ${syntaxes}; ${spacing}`;
}
