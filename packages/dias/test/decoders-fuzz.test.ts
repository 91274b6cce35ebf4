// Generated inputs for every decoder (PNG, TIFF, NPY, DICOM, safetensors, YAML config): random bytes and
// mutations of valid files with fixed seeds (decoders-fuzz-cases.ts). A decoder may reject a case, with an Error
// that names the file; it must not crash, hang, or return a result whose shape disagrees with its data. Each
// decoder's cases run in a worker thread (decoders-fuzz-worker.ts) so that a case that hangs is caught by a
// per-case time limit and named, instead of stopping the test run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptWorker } from '../src/worker/script-worker.js';
import { decodeTiff } from '../src/image/tiff.js';
import { compressedTiff, DECODER_KINDS, seeded, type DecoderKind } from './decoders-fuzz-cases.js';

/**
 * Cases per decoder, and their seed (fixed: every run decodes the same bytes). FUZZ_CASES and FUZZ_SEED explore
 * further by hand (FUZZ_CASES=2000 FUZZ_SEED=7); a case they find that fails belongs in the bad-input corpus.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
/** A case that takes longer is a hang (the slowest real ones, DICOM's first WASM load included, take ~0.3 s). */
const CASE_LIMIT_MS = 5000;

interface Outcome {
  failures: string[];
  decoded: number;
}

/** Runs one decoder's cases in a worker; every problem, hang or crash becomes a failure line. */
function fuzz(kind: DecoderKind): Promise<Outcome> {
  return new Promise((resolve) => {
    const worker = startScriptWorker(import.meta.url, './decoders-fuzz-worker', { kind, seed: SEED, count: CASES });
    const failures: string[] = [];
    let decoded = 0;
    let current: { i: number; label: string } | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void worker.terminate();
      resolve({ failures, decoded });
    };
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => {
          failures.push(
            current
              ? `case ${current.i} (${current.label}): no answer in ${CASE_LIMIT_MS} ms (a hang)`
              : `the worker did not start in ${CASE_LIMIT_MS} ms`,
          );
          finish();
        },
        CASE_LIMIT_MS * (current ? 1 : 3),
      );
    };
    worker.on('message', (m: { type: string; i: number; label: string; problem?: string }) => {
      if (m.type === 'start') {
        current = m;
        arm();
      } else if (m.type === 'done') {
        decoded++;
        if (m.problem) failures.push(`case ${m.i} (${m.label}): ${m.problem}`);
      } else if (m.type === 'end') finish();
    });
    worker.on('error', (e) => {
      failures.push(`${current ? `case ${current.i} (${current.label})` : 'the worker'}: crashed: ${e.stack ?? e}`);
      finish();
    });
    worker.on('exit', (code) => {
      if (!settled) failures.push(`the worker exited with code ${code} during case ${current?.i}`);
      finish();
    });
    arm();
  });
}

for (const kind of DECODER_KINDS) {
  test(`${kind}: ${CASES} random and mutated inputs are each rejected with the file named or decoded consistently`, async () => {
    const { failures, decoded } = await fuzz(kind);
    assert.deepEqual(failures, [], `${failures.length} of ${CASES} cases failed:\n${failures.slice(0, 8).join('\n')}`);
    assert.equal(decoded, CASES);
  });
}

test('the compressed TIFF seeds are valid: LZW (across table clears), Deflate and PackBits strips decode to their pixels', () => {
  // The LZW check before UTIF (tiff.ts) must pass every well-formed strip; 16384 bytes of noise need three clears.
  const random = seeded(3);
  const noise = Uint8Array.from({ length: 128 * 128 }, () => Math.floor(random() * 256));
  for (const compression of [5, 8, 32773] as const) {
    const tiff = decodeTiff(compressedTiff(compression, 128, 128, noise), `noise-${compression}.tif`);
    assert.deepEqual([tiff.width, tiff.height, tiff.frames.length], [128, 128, 1]);
    assert.ok(
      tiff.frames[0].every((v, i) => v === noise[i]),
      `compression ${compression}`,
    );
  }
});
