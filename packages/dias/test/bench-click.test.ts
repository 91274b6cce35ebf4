// dias bench click (bench/click-bench.ts, cli/bench-click.ts): clicks through a real server in this process with
// the shipped default model. The clicks segment for real (the worker reports its own time, within the request's
// and the event stream's), every part is reported, nothing is left behind, and a failing request is an error
// naming it. No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { clickOnce, type ClickClient } from '../src/bench/click-bench.js';
import { benchClickCommand } from '../src/cli/bench-click.js';
import { tempDir } from './data-fixture.js';

async function capture(run: () => Promise<number>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (s: string) => out.push(s);
  console.error = () => {};
  try {
    return { code: await run(), out };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

test('bench click: each click is a real segmentation through the API; the scratch folder goes', async (t) => {
  const { dir, cleanup } = tempDir('dias-bench-click-test-');
  const saved = process.env.TMPDIR;
  t.after(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    cleanup();
  });
  const scratch = join(dir, 'tmp');
  mkdirSync(scratch);
  process.env.TMPDIR = scratch;
  const { code, out } = await capture(() =>
    benchClickCommand(['--size', '48', '--clicks', '2', '--threads', '1', '--json']),
  );
  assert.equal(code, 0);
  const r = JSON.parse(out.at(-1)!) as {
    size: number;
    clicks: { post: number; events: number; png: number; total: number; worker: number }[];
    median: { total: number };
    warm_up: number | null;
  };
  assert.equal(r.size, 48);
  assert.equal(r.clicks.length, 2);
  assert.ok(r.warm_up !== null && r.warm_up > 0, 'warmed up');
  for (const c of r.clicks) {
    // The job starts while POST is answered and ends before its done event: its time lies within the two.
    assert.ok(
      c.worker > 0 && c.worker <= c.post + c.events + 1e-3,
      `the worker's time lies within the request's and the event stream's: ${JSON.stringify(c)}`,
    );
    assert.ok(Math.abs(c.post + c.events + c.png - c.total) < 0.005);
  }
  assert.ok(r.median.total >= Math.min(...r.clicks.map((c) => c.total)));
  assert.deepEqual(
    readdirSync(scratch).filter((n) => n.startsWith('dias-bench-click-') || n.startsWith('dias-warm-')),
    [],
  );
});

test('bench click: a request the server refuses is an error naming it and its status', async () => {
  const client: ClickClient = {
    request: (method, url) =>
      Promise.resolve(
        method === 'POST'
          ? { status: 404, body: '{"error":"no sequence nope"}' }
          : { status: 500, body: `unexpected ${url}` },
      ),
  };
  await assert.rejects(
    clickOnce(client, { run: ':default', sequence: 'nope' }),
    /POST \/api\/infer: HTTP 404: .*no sequence nope/,
  );
});

test('bench click: a size past the pixel limit is refused before anything is built', async () => {
  await assert.rejects(
    benchClickCommand(['--size', '200000', '--clicks', '1']),
    /dias bench click: --size 200000 --frames 8 is .* pixels, more than the limit/,
  );
});
