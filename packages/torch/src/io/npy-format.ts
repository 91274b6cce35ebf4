// NumPy's .npy container (versions 1-3) without the data: reading the file, parsing and checking the header,
// writing one. No tensors here, so readers that want plain arrays use the same parser as loadNpy.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  /** NumPy's dtype string, e.g. '<f4', '|u1'; which ones are read is the caller's choice. */
  descr: string;
  /** The data is column-major (np.asfortranarray). */
  fortranOrder: boolean;
  shape: number[];
  /** Number of elements: the product of shape. */
  count: number;
  /** Byte offset of the data, just after the header. */
  dataOffset: number;
}

/**
 * A header as an error shows it: at most 60 characters, anything but printable ASCII as '?'. A corrupt header
 * may be 4 GB of binary (version 2 and 3 lengths are 32-bit); the message should stay one short line.
 */
function shown(header: string): string {
  const text = header.trim();
  const clipped = text.length > 60 ? `${text.slice(0, 60)}... (${text.length} characters)` : text;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}

/** Parses a .npy header; `name` (a path) appears in every error. */
export function parseNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b))
    throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number, headerStart: number;
  if (major === 1) [headerLength, headerStart] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [headerLength, headerStart] = [view.getUint32(8, true), 12];
  else throw new Error(`${name}: unsupported .npy version ${major}`);
  if (headerStart + headerLength > bytes.length) throw new Error(`${name}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new Error(`${name}: malformed header "${shown(header)}" (it needs descr, fortran_order and shape)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${name}: bad shape (${shown(shapeText)})`);
  const count = shape.reduce((a, b) => a * b, 1);
  return { descr, fortranOrder: fortran === 'True', shape, count, dataOffset: headerStart + headerLength };
}

/** Throws unless `bytes` holds all of the header's elements at `itemSize` bytes each. */
export function checkNpyDataLength(header: NpyHeader, itemSize: number, bytes: Uint8Array, name: string): void {
  const needed = header.count * itemSize;
  if (header.dataOffset + needed > bytes.length) {
    throw new Error(
      `${name}: data truncated (shape [${header.shape.join(', ')}] needs ${needed} bytes, file has ${bytes.length - header.dataOffset})`,
    );
  }
}

/** A version 1.0 header for C-ordered data, padded (ending in a newline) so the data starts on a 64-byte boundary, as NumPy does. */
export function encodeNpyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}
