#!/usr/bin/env node
// The viewer benchmark (issue 11): Debian's chromium, driven by playwright-core, on `dias serve` with one synthetic
// sequence (default 800x800 x 8 frames). Measures the time from an arrow key to the next frame on screen (median,
// p95), the cine frame rate at the fastest setting (30 fps) and the canvas draw time, and the time from a click on
// Segment (fast mode) to the probability overlay on screen. Not a test: numbers for the README.
//   npm run build && node benchmarks/viewer.mjs [--size 800] [--frames 8] [--run RUN_DIR] [--no-segment] [--json]
// Without --run the segmentation uses an FR_UNet with random weights and `dias train`'s default options (the time
// does not depend on the weights). Headless chromium draws the canvas in software.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
/* global KeyboardEvent, requestAnimationFrame -- inside page.evaluate, which runs in the browser */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'packages', 'dias', 'dist', 'src', p));
const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    frames: { type: 'string' },
    run: { type: 'string' },
    json: { type: 'boolean' },
    'no-segment': { type: 'boolean' },
    chromium: { type: 'string' },
  },
});
const size = Number(values.size ?? 800);
const frames = Number(values.frames ?? 8);
const chromiumPath = values.chromium ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found (npm run setup installs Debian's chromium)`);
if (!existsSync(join(root, 'packages', 'web', 'dist', 'index.html')))
  throw new Error('the viewer page is not built: npm run build');
const log = (line) => !values.json && console.log(line);

const dir = mkdtempSync(join(tmpdir(), 'dias-viewer-bench-'));
const data = join(dir, 'data');
const runs = join(dir, 'runs');
let server;
let browser;
try {
  log(`writing one synthetic ${size}x${size} x ${frames} sequence`);
  const { getPreset } = await dist('data/synth/presets.js');
  const { writeDataset } = await dist('data/synth/write-dataset.js');
  const o = getPreset('small');
  Object.assign(o, {
    width: size,
    height: size,
    frames: [frames, frames],
    counts: { training: 1, validation: 0, test: 0, unlabeled: 0 },
  });
  await writeDataset({ out: data, seed: 1, preset: 'bench', options: o, workers: 1 });
  mkdirSync(runs);
  if (values.run) symlinkSync(resolve(values.run), join(runs, 'bench'));
  else {
    const { findModel, createModel } = await dist('models/registry.js');
    const { defaultTrainConfig } = await dist('train/config.js');
    const { runPath, saveWeightsFile, writeRunConfig } = await dist('train/run-folder.js');
    const spec = findModel('FR_UNet');
    const options = { ...spec.defaults, num_channels: frames };
    const model = createModel(spec.name, options);
    const config = defaultTrainConfig();
    config.model = { name: spec.name, options };
    config.data.frames = frames;
    mkdirSync(join(runs, 'bench'));
    writeRunConfig(join(runs, 'bench'), config);
    saveWeightsFile(runPath(join(runs, 'bench'), 'best'), model, { model: spec.name, options, frames, epoch: 0 });
    model.dispose();
  }
  const { startServer } = await dist('server/app.js');
  server = await startServer({ data, runs, host: '127.0.0.1', port: 0 });
  const { chromium } = createRequire(import.meta.url)('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const t0 = Date.now();
  await page.goto(server.url);
  await page.waitForFunction((n) => globalThis.diasViewer?.loadedFrames() === n, frames);
  const openMs = Date.now() - t0;

  // Frame switch: an arrow key, then poll every animation frame until the next frame has been drawn.
  const switches = await page.evaluate(async (rounds) => {
    const h = globalThis.diasViewer;
    const out = [];
    for (let i = 0; i < rounds; i++) {
      const frame = h.frame();
      const draws = h.draws();
      const start = performance.now();
      globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));
      while (h.frame() === frame || h.draws() === draws) await new Promise((r) => requestAnimationFrame(r));
      out.push(performance.now() - start);
    }
    return out;
  }, 40);
  switches.sort((a, b) => a - b);
  const median = (xs) => xs[Math.floor(xs.length / 2)];

  // Cine: 30 fps for 3 s; count the frames that reached the screen.
  await page.locator('select').filter({ hasText: '30 fps' }).selectOption('30');
  const cine = await page.evaluate(async () => {
    const h = globalThis.diasViewer;
    const times = [];
    globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    const start = performance.now();
    let last = h.frame();
    while (performance.now() - start < 3000) {
      await new Promise((r) => requestAnimationFrame(r));
      if (h.frame() !== last) {
        last = h.frame();
        times.push(h.drawMs());
      }
    }
    globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    return {
      fps: times.length / ((performance.now() - start) / 1000),
      drawMs: times.sort((a, b) => a - b)[Math.floor(times.length / 2)],
    };
  });

  // Segment (fast): from the click to the probability overlay drawn.
  let segmentMs = null;
  if (!values['no-segment']) {
    await page.getByTestId('run-select').selectOption('bench');
    const clicked = Date.now();
    await page.getByTestId('segment').click();
    await page.waitForFunction(() => globalThis.diasViewer.predictionShown('bench'), null, { timeout: 600_000 });
    segmentMs = Date.now() - clicked;
  }

  const result = {
    size,
    frames,
    open_ms: openMs,
    switch_median_ms: +median(switches).toFixed(1),
    switch_p95_ms: +switches[Math.floor(switches.length * 0.95)].toFixed(1),
    cine_fps: +cine.fps.toFixed(1),
    draw_ms: +cine.drawMs.toFixed(2),
    segment_fast_ms: segmentMs,
    chromium: browser.version(),
  };
  log(`open (page + ${frames} frames): ${openMs} ms`);
  log(
    `frame switch: median ${result.switch_median_ms} ms, p95 ${result.switch_p95_ms} ms (arrow key to the frame on screen)`,
  );
  log(`cine at 30 fps: ${result.cine_fps} frames/s shown, ${result.draw_ms} ms per draw`);
  if (segmentMs !== null) log(`segment (fast) click to overlay: ${segmentMs} ms`);
  console.log(JSON.stringify(result));
} finally {
  await browser?.close();
  await server?.app.close();
  rmSync(dir, { recursive: true, force: true });
}
