// DICOM RLE Lossless (1.2.840.10008.1.2.5): per frame a 64-byte header (segment count, then 15 offsets) and one
// PackBits-coded segment per byte plane, most significant byte first, sample after sample (PS3.5 Annex G).

/** Decodes one RLE frame to sample words, interleaved per pixel (R,G,B,R,G,B,... for colour). */
export function decodeDicomRle(
  frame: Uint8Array,
  rows: number,
  columns: number,
  bitsAllocated: number,
  samplesPerPixel: number,
  name = '<rle>',
): Uint8Array | Uint16Array | Uint32Array {
  if (frame.length < 64)
    throw new Error(`${name}: RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample) || bytesPerSample < 1 || bytesPerSample > 4)
    throw new Error(`${name}: RLE with ${bitsAllocated} bits allocated is not read`);
  const expected = bytesPerSample * samplesPerPixel;
  if (segments !== expected)
    throw new Error(
      `${name}: RLE frame has ${segments} segments, ${expected} expected for ${samplesPerPixel} x ${bitsAllocated}-bit samples`,
    );
  const pixels = rows * columns;
  const out =
    bytesPerSample === 1
      ? new Uint8Array(pixels * samplesPerPixel)
      : bytesPerSample === 2
        ? new Uint16Array(pixels * samplesPerPixel)
        : new Uint32Array(pixels * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length)
      throw new Error(`${name}: RLE segment ${s} has a bad offset (${start}..${end} in ${frame.length} bytes)`);
    plane.fill(0);
    let i = start;
    let o = 0;
    while (i < end && o < pixels) {
      const n = (frame[i++] << 24) >> 24; // the header byte as int8
      if (n >= 0) {
        const count = Math.min(n + 1, pixels - o, end - i);
        plane.set(frame.subarray(i, i + count), o);
        i += n + 1;
        o += count;
      } else if (n !== -128) {
        const count = Math.min(1 - n, pixels - o);
        plane.fill(frame[i++], o, o + count);
        o += count;
      }
    }
    if (o < pixels) throw new Error(`${name}: RLE segment ${s} decodes to ${o} of ${pixels} bytes (truncated)`);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    for (let p = 0; p < pixels; p++) out[p * samplesPerPixel + sample] += plane[p] * 2 ** shift;
  }
  return out;
}
