// A share of a training batch: the rows one micro-batch (gradient accumulation, --accumulate K) or one process
// (data-parallel training, --nproc N) takes. Not in the official code, which trains one batch in one process.
//
// The split is contiguous and depends only on the batch and the part count, so K accumulated micro-batches in
// one process see exactly the rows that K processes would see: accumulation is the reference a distributed run
// is checked against. Batch i of a run stays a pure function of (seed, i) whatever the split.
import type { PatchBatch } from '../data/pipeline/patch-sampler.js';

/** Rows [part * B / parts, (part + 1) * B / parts) of the batch, as a batch of its own (views, not copies). */
export function batchShare(batch: PatchBatch, part: number, parts: number): PatchBatch {
  const { B, T, P } = batch;
  if (!Number.isInteger(parts) || parts < 1 || B % parts !== 0)
    throw new Error(`a batch of ${B} patches cannot be split into ${parts} equal shares`);
  if (!Number.isInteger(part) || part < 0 || part >= parts) throw new Error(`share ${part} of ${parts} does not exist`);
  if (parts === 1) return batch;
  const n = B / parts;
  const [from, to] = [part * n, (part + 1) * n];
  const rows = <A extends Float32Array | Uint8Array | Int32Array>(a: A, perRow: number): A =>
    a.subarray(from * perRow, to * perRow) as A;
  const image = T * P * P;
  return {
    B: n,
    T,
    P,
    images: rows(batch.images, image),
    ...(batch.images2 ? { images2: rows(batch.images2, image) } : {}),
    ...(batch.labels ? { labels: rows(batch.labels, P * P) } : {}),
    ...(batch.scribbles ? { scribbles: rows(batch.scribbles, P * P) } : {}),
    index: batch.index,
    sequenceIndex: rows(batch.sequenceIndex, 1),
    origin: rows(batch.origin, 2),
    orientation: rows(batch.orientation, 1),
    ...(batch.fromPool ? { fromPool: rows(batch.fromPool, 1) } : {}),
  };
}
