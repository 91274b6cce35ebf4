// A minimal DICOM Part 10 writer for tests (explicit VR little endian data sets, native or encapsulated pixel
// data), so cases the sample files lack (MONOCHROME1, RLE of known pixels, no pixel data, angles) can be built.

export type DicomValue = { vr: string; value: string | number[] | Uint8Array };
export type DicomElements = Record<string, DicomValue>; // key 'ggggeeee' in hex

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function encodeValue(vr: string, value: DicomValue['value']): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? Uint8Array.from([...value, 0]) : value;
  if (typeof value === 'string') {
    const padded = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new TextEncoder().encode(padded);
  }
  const size = vr === 'US' ? 2 : 4;
  const out = new Uint8Array(value.length * size);
  const view = new DataView(out.buffer);
  value.forEach((v, i) => (size === 2 ? view.setUint16(i * size, v, true) : view.setUint32(i * size, v, true)));
  return out;
}

function element(tag: string, vr: string, body: Uint8Array, undefinedLength = false): Uint8Array {
  const long = LONG_VRS.has(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const view = new DataView(head.buffer);
  view.setUint16(0, parseInt(tag.slice(0, 4), 16), true);
  view.setUint16(2, parseInt(tag.slice(4), 16), true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, undefinedLength ? 0xffffffff : body.length, true);
  else view.setUint16(6, body.length, true);
  return concat([head, body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function item(tag: number, body: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tag, true);
  view.setUint32(4, body.length, true);
  return concat([head, body]);
}

/** Encapsulated pixel data: an empty basic offset table, then one fragment per frame. */
export function encapsulated(frames: Uint8Array[]): DicomValue & { encapsulated: true } {
  const padded = frames.map((f) => (f.length % 2 ? Uint8Array.from([...f, 0]) : f));
  const body = concat([
    item(0xe000, new Uint8Array(0)),
    ...padded.map((f) => item(0xe000, f)),
    item(0xe0dd, new Uint8Array(0)),
  ]);
  return { vr: 'OB', value: body, encapsulated: true };
}

export function writeDicom(elements: DicomElements, transferSyntax = '1.2.840.10008.1.2.1'): Uint8Array {
  const meta = [
    element('00020001', 'OB', Uint8Array.from([0, 1])),
    element('00020010', 'UI', encodeValue('UI', transferSyntax)),
  ];
  const metaBody = concat(meta);
  const groupLength = element('00020000', 'UL', encodeValue('UL', [metaBody.length]));
  const body = Object.keys(elements)
    .sort()
    .map((tag) => {
      const e = elements[tag] as DicomValue & { encapsulated?: boolean };
      return element(tag, e.vr, e.encapsulated ? (e.value as Uint8Array) : encodeValue(e.vr, e.value), e.encapsulated);
    });
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return concat([preamble, groupLength, metaBody, ...body]);
}

/** PackBits as DICOM RLE uses it: replicate runs of 3+, literals otherwise. */
export function packBits(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let run = 1;
    while (i + run < bytes.length && run < 128 && bytes[i + run] === bytes[i]) run++;
    if (run >= 3) {
      out.push(257 - run, bytes[i]);
      i += run;
      continue;
    }
    const start = i;
    while (
      i < bytes.length &&
      i - start < 128 &&
      !(i + 2 < bytes.length && bytes[i] === bytes[i + 1] && bytes[i] === bytes[i + 2])
    )
      i++;
    out.push(i - start - 1, ...bytes.subarray(start, i));
  }
  return Uint8Array.from(out);
}

/** One RLE frame of 16-bit grey samples: header, then the high-byte and low-byte segments. */
export function rleFrame16(samples: number[]): Uint8Array {
  const hi = packBits(Uint8Array.from(samples.map((v) => (v >> 8) & 255)));
  const lo = packBits(Uint8Array.from(samples.map((v) => v & 255)));
  const hiPadded = hi.length % 2 ? Uint8Array.from([...hi, 128]) : hi; // 128 (= -128) is a no-op byte
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, 2, true);
  view.setUint32(4, 64, true);
  view.setUint32(8, 64 + hiPadded.length, true);
  return concat([header, hiPadded, lo]);
}
