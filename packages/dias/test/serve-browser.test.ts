// The viewer page in a real browser: Debian's chromium driven by playwright-core against an in-process `dias serve`
// on a small synthetic dataset. It plays the cine, draws a vessel and a background stroke, saves, reloads and sees
// them, checks the PNG on disk holds exactly those pixels in the DIAS encoding; segments the sequence with a run and
// sees the overlay and the error map; starts a short training job from the scribbles and watches its progress. On
// synthetic complete runs it shows a parametric map and an artery/vein run's class map in two colours.
// With DIAS_SCREENSHOT_DIR=docs it also trains a small model on the labels first (about half a minute) so that the
// README's pictures (docs/viewer-*.png) show a real segmentation; otherwise the run has random weights and the
// screenshots go to a temporary folder. Skips, saying why, without chromium or the built page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decode } from 'fast-png';
import { fromTypedArray, saveNpy } from '@dias-ts/torch';
import { getPreset } from '../src/data/synth/presets.js';
import { writeDataset } from '../src/data/synth/write-dataset.js';
import { decodeGrayPng, readGrayPng } from '../src/image/png.js';
import { startServer, type DiasServer } from '../src/server/app.js';
import { tempDir } from './data-fixture.js';
import { writeTinyRun } from './eval-fixture.js';
import { tinyConfig } from './train-fixture.js';
import { trainRun } from '../src/train/index.js';

const CHROMIUM = process.env.DIAS_CHROMIUM ?? '/usr/bin/chromium';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PAGE = join(repo, 'packages', 'web', 'dist', 'index.html');
const SHOTS = process.env.DIAS_SCREENSHOT_DIR ? join(process.cwd(), process.env.DIAS_SCREENSHOT_DIR) : undefined;
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not found (npm run setup installs Debian's chromium)`
  : !existsSync(PAGE)
    ? 'the viewer page is not built (npm run setup, or npm run build -w packages/web)'
    : false;

const [SIZE, FRAMES] = [192, 8];
const { dir, cleanup } = tempDir('dias-browser-');
const data = join(dir, 'data');
const runs = join(dir, 'runs');
let server: (DiasServer & { url: string }) | undefined;
let browser: Browser | undefined;
let page: Page;
/** The run the page segments with: random weights, or with screenshots a model trained on the labels. */
const RUN = SHOTS ? 'fsl-demo' : 'tiny';
const shot = (name: string) => page.screenshot({ path: join(SHOTS ?? dir, `viewer-${name}.png`) });

before(async () => {
  if (skip) return;
  const o = getPreset('small');
  o.width = SIZE;
  o.height = SIZE;
  o.frames = [FRAMES, FRAMES];
  o.counts = { training: 2, validation: 1, test: 0, unlabeled: 0 };
  await writeDataset({ out: data, seed: 11, preset: 'tiny', options: o, workers: 1 });
  // The annotator starts with nothing drawn (the generator also writes simulated annotator scribbles).
  rmSync(join(data, 'training', 'scribbles_annotator'), { recursive: true, force: true });
  writeTinyRun(join(runs, 'tiny'), { dataDir: data, frames: FRAMES });
  if (SHOTS) {
    const config = tinyConfig(data, (c) => {
      c.model.options = { feature_scale: 8 };
      Object.assign(c.data, { frames: FRAMES, patchSize: 64 });
      Object.assign(c.train, { epochs: 6, patchesPerEpoch: 128, batchSize: 8, threads: null });
      c.validation.stride = 32;
    });
    await trainRun({ config, runDir: join(runs, RUN), events: { log: () => {} } });
  }
  server = await startServer({ data, runs, host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await server?.app.close();
  cleanup();
});

/** A 16-bit cine as an .npy stack [4, 32, 64]: value 1000 + round(2000 x / 63) + 10 k in frame k. */
const wideValue = (x: number, k: number) => 1000 + Math.round((2000 * x) / 63) + 10 * k;

type Hook = {
  imageToClient(x: number, y: number): [number, number];
  pixelAt(x: number, y: number): [number, number, number, number];
  frame(): number;
  loadedFrames(): number;
};
/** What the test reads inside the page (the test compiles without the DOM types). */
type PageGlobal = {
  diasViewer: Hook;
  document: { querySelector(selector: string): { textContent: string | null } | null };
};
const hook = <T>(f: (h: Hook) => T): Promise<T> => page.evaluate<T>(`(${f.toString()})(window.diasViewer)`);
const pixelAt = (x: number, y: number) =>
  page.evaluate(([x, y]) => (globalThis as unknown as PageGlobal).diasViewer.pixelAt(x, y), [x, y]);
/** The pixel at an image point once it satisfies ok (the page redraws on the next animation frame), or a failure. */
async function pixelUntil(x: number, y: number, ok: (p: number[]) => boolean, what: string): Promise<number[]> {
  let p: number[] = [];
  for (let i = 0; i < 100; i++) {
    p = await pixelAt(x, y);
    if (ok(p)) return p;
    await page.waitForTimeout(50);
  }
  assert.fail(`${what}: the pixel at ${x},${y} stays ${p}`);
}
const statusText = () => page.getByTestId('scribble-status').textContent();

/** Drags the mouse through image points with the current tool. */
async function stroke(points: [number, number][]): Promise<void> {
  const client = await page.evaluate(
    (pts) => pts.map(([x, y]) => (globalThis as unknown as PageGlobal).diasViewer.imageToClient(x + 0.5, y + 0.5)),
    points,
  );
  await page.mouse.move(...client[0]);
  await page.mouse.down();
  for (const p of client.slice(1)) await page.mouse.move(...p, { steps: 4 });
  await page.mouse.up();
}

async function openViewer(): Promise<void> {
  await page.goto(server!.url);
  await page.getByTestId('sequence-0').waitFor();
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).diasViewer?.loadedFrames() === 8);
}

/** The longest vertical run inside a vessel of the label (labelled on both sides too: a line down its middle) and a
 * row segment far from every vessel. */
function strokeTargets(label: ArrayLike<number>): { vessel: [number, number][]; background: [number, number][] } {
  let best = { x: 0, y0: 0, len: 0 };
  for (let x = 1; x < SIZE - 1; x++) {
    let run = 0;
    for (let y = 0; y < SIZE; y++) {
      const i = y * SIZE + x;
      run = label[i - 1] > 127 && label[i] > 127 && label[i + 1] > 127 ? run + 1 : 0;
      if (run > best.len) best = { x, y0: y - run + 1, len: run };
    }
  }
  const farFromVessels = (x: number, y: number) => {
    for (let dy = -6; dy <= 6; dy++)
      for (let dx = -6; dx <= 6; dx++)
        if (label[Math.min(SIZE - 1, Math.max(0, y + dy)) * SIZE + Math.min(SIZE - 1, Math.max(0, x + dx))] > 127)
          return false;
    return true;
  };
  for (let y = 20; y < SIZE - 20; y += 4) {
    for (let x = 20; x < SIZE - 60; x += 4) {
      const row: [number, number][] = Array.from({ length: 40 }, (_, i) => [x + i, y]);
      if (row.every(([px, py]) => farFromVessels(px, py))) {
        return {
          vessel: Array.from({ length: best.len }, (_, i) => [best.x, best.y0 + i] as [number, number]),
          background: [row[0], row[39]],
        };
      }
    }
  }
  throw new Error('no background row in the fixture');
}

test(
  'the viewer: cine, scribbles saved and reloaded, segmentation overlay, training progress',
  { skip, timeout: 120_000 },
  async () => {
    await openViewer();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });

    // The cine plays and the arrow keys step frames.
    assert.equal(await page.getByTestId('frame-number').textContent(), '1 / 8');
    const first = await pixelAt(96.5, 96.5);
    await page.getByTestId('play').click();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobal).diasViewer.frame() >= 3);
    await page.keyboard.press('Space');
    const paused = await hook((h) => h.frame());
    await page.waitForTimeout(300);
    assert.equal(await hook((h) => h.frame()), paused, 'space pauses the cine');
    await page.keyboard.press('ArrowRight');
    assert.equal(await hook((h) => h.frame()), (paused + 1) % FRAMES);
    await page.getByTestId('frame-slider').fill('5');
    assert.equal(await page.getByTestId('frame-number').textContent(), '6 / 8');
    assert.ok(await page.getByTestId('sequence-0').isVisible());
    await pixelUntil(96.5, 96.5, (p) => p[0] !== first[0], 'another frame');

    // Scribbles: a vessel stroke along a vessel of the label, a background stroke away from every vessel.
    const label = readGrayPng(join(data, 'training', 'labels', 'label_s0.png')).data;
    const { vessel, background } = strokeTargets(label);
    assert.ok(vessel.length >= 8, `a vessel to draw along (${vessel.length} px)`);
    await page.getByTestId('brush-size').fill('2');
    await page.getByTestId('tool-vessel').click();
    await stroke(vessel);
    await page.getByTestId('tool-background').click();
    await page.getByTestId('brush-size').fill('4');
    await stroke(background);
    const drawn = (await statusText())!;
    assert.match(drawn, /^\d+ vessel · \d+ background px · unsaved$/);
    const [, v, b] = /^(\d+) vessel · (\d+) background/.exec(drawn)!.map(Number);
    assert.ok(v >= vessel.length && b >= 40, drawn);
    // Undo takes the background stroke back, redo restores it.
    await page.getByTestId('undo').click();
    assert.match((await statusText())!, new RegExp(`^${v} vessel · 0 background`));
    await page.getByTestId('redo').click();
    assert.equal(await statusText(), drawn);
    // Opening another sequence with unsaved strokes asks first; declining keeps them.
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.getByTestId('sequence-1').click();
    assert.match(asked, /not saved/);
    assert.equal(await statusText(), drawn);
    assert.match((await page.getByTestId('sequence-0').getAttribute('class')) ?? '', /active/);
    await shot('scribbles');
    await page.getByTestId('save').click();
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobal).document
        .querySelector('[data-testid=scribble-status]')
        ?.textContent?.endsWith(' · saved'),
    );

    // On disk: the DIAS encoding, exactly the drawn pixels.
    const saved = readGrayPng(join(data, 'training', 'scribbles_annotator', 'label_s0.png'));
    assert.deepEqual([saved.width, saved.height], [SIZE, SIZE]);
    const count = (value: number) => saved.data.reduce((n, p) => n + (p === value ? 1 : 0), 0);
    assert.deepEqual(
      [count(1), count(0), count(255)],
      [v, b, SIZE * SIZE - v - b],
      'only 1, 0 and 255, as many as the page counted',
    );
    for (const [x, y] of vessel) assert.equal(saved.data[y * SIZE + x], 1, `vessel stroke at ${x},${y}`);
    const [[bx0, by], [bx1]] = background;
    for (let x = bx0; x <= bx1; x++) assert.equal(saved.data[by * SIZE + x], 0, `background stroke at ${x},${by}`);
    for (let i = 0; i < saved.data.length; i++)
      if (saved.data[i] === 1)
        assert.ok(Math.abs((i % SIZE) - vessel[0][0]) <= 2, 'vessel pixels only along the stroke');

    // Reloaded, the page shows them again: the same counts, magenta on the vessel, blue on the background.
    await openViewer();
    await page.waitForFunction(
      (text) =>
        (globalThis as unknown as PageGlobal).document.querySelector('[data-testid=scribble-status]')?.textContent ===
        text,
      drawn.replace(' · unsaved', ''),
    );
    const [vx, vy] = vessel[Math.floor(vessel.length / 2)];
    await pixelUntil(vx + 0.5, vy + 0.5, ([r, g, b]) => r > 200 && g < 120 && b > 150, 'a magenta vessel scribble');
    await pixelUntil(bx0 + 20.5, by + 0.5, ([r, , b]) => b > 200 && r < 100, 'a blue background scribble');
    assert.ok(
      await page.getByTestId('sequence-0').locator('b.s').isVisible(),
      'the list marks the sequence as scribbled',
    );

    // Segment with the run (fast): the probability arrives as an overlay, metrics against the label appear.
    await page.getByTestId('overlay-scribble').uncheck();
    const probe: [number, number] = [vx + 0.5, vy + 0.5];
    const before = await pixelUntil(...probe, ([r, g, b]) => r === g && g === b, 'the scribble overlay off');
    await page.getByTestId('run-select').selectOption(RUN);
    await page.getByTestId('segment').click();
    await page
      .getByTestId('progress')
      .filter({ hasText: /done in/ })
      .waitFor({ timeout: 60_000 });
    const stored = await fetch(new URL(`/api/sequences/0/prediction?run=${RUN}`, server!.url));
    assert.equal(stored.status, 200);
    const prob = decodeGrayPng(new Uint8Array(await stored.arrayBuffer()));
    assert.equal(prob.width, SIZE);
    await page.getByTestId('metrics').waitFor();
    assert.match((await page.getByTestId('metrics').textContent())!, /DSC\d\.\d{3}/);
    const p = prob.data[vy * SIZE + vx];
    if (p > 12)
      await pixelUntil(
        ...probe,
        ([r, g, b]) => r !== before[0] && b < r && b < g,
        `the yellow overlay of p = ${p}/255`,
      );
    await page.getByTestId('overlay-scribble').check();
    await page.getByTestId('frame-slider').fill('5');
    await shot('overlay');
    await page.getByTestId('overlay-prediction').uncheck();
    await page.getByTestId('overlay-scribble').uncheck();
    await page.getByTestId('overlay-error').check();
    // True negatives stay clear; a labelled vessel pixel is white (found) or red (missed).
    await pixelUntil(
      ...probe,
      ([r, g]) => r > 200 && (p >= 128 ? g > 200 : g < 100),
      `the error map at a vessel pixel (p = ${p}/255)`,
    );
    await page.getByTestId('projection-minip').click();
    await shot('error-map');

    // A short training job from the scribbles, fine-tuning the run: progress arrives, then the new run.
    const epochs = SHOTS ? 4 : 2;
    await page.getByTestId('epochs').fill(String(epochs));
    await page.locator('select').filter({ hasText: 'scratch' }).selectOption(RUN);
    await page
      .getByTestId('train-settings')
      .fill(
        'train.patchesPerEpoch=16; train.batchSize=4; data.patchSize=32; scheduler.warmupEpochs=0; validation.stride=32',
      );
    await page.getByTestId('train').click();
    await page
      .getByTestId('progress')
      .filter({ hasText: new RegExp(`epoch \\d/${epochs}`) })
      .waitFor({ timeout: 60_000 });
    // A second page opened while it runs (or after) follows the same job to its end.
    const second = await browser!.newPage();
    await second.goto(server!.url);
    await page
      .getByTestId('progress')
      .filter({ hasText: /finished sscr-/ })
      .waitFor({ timeout: 90_000 });
    await second
      .getByTestId('progress')
      .filter({ hasText: /finished sscr-/ })
      .waitFor({ timeout: 30_000 });
    await second.close();
    assert.ok(
      server!.runs.names().some((r) => r.startsWith('sscr-')),
      'the job wrote an ordinary run folder',
    );
    await page.locator('aside.panels').evaluate((e) => e.scrollTo(0, e.scrollHeight));
    await shot('training');

    // Two runs side by side: a second canvas appears; "Next to annotate" opens the one unscribbled training sequence.
    await page.getByTestId('compare-select').selectOption({ index: 1 });
    await page.getByTestId('viewer-compare').waitFor();
    await page.getByRole('button', { name: 'Next to annotate' }).click();
    await page.locator('li.active[data-testid=sequence-1]').waitFor({ timeout: 60_000 });
  },
);

test(
  'a 16-bit cine: the page windows the stored values exactly, and asks the server for a mask subtraction',
  { skip, timeout: 60_000 },
  async () => {
    const folder = join(dir, 'wide');
    mkdirSync(folder);
    const values = Float32Array.from({ length: 4 * 32 * 64 }, (_, i) => wideValue(i % 64, Math.floor(i / (32 * 64))));
    const stack = fromTypedArray(values, [4, 32, 64]);
    saveNpy(join(folder, 'cine.npy'), stack);
    stack.dispose();
    const wide = await startServer({ data: folder, host: '127.0.0.1', port: 0 });
    try {
      await page.goto(wide.url);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobal).diasViewer?.loadedFrames() === 4);
      // The default window is the sequence's range, 1000..3030 (values, not 8-bit steps).
      assert.equal(await page.getByTestId('level-value').textContent(), '2015');
      assert.equal(await page.getByTestId('width-value').textContent(), '2030');
      // DICOM's linear window (PS3.3 C.11.2.1.2.1), what the page applies.
      const shown = (v: number, c: number, w: number) =>
        Math.min(255, Math.max(0, Math.round(((v - (c - 0.5)) / (w - 1) + 0.5) * 255)));
      for (const x of [0, 32, 63])
        await pixelUntil(
          x + 0.5,
          0.5,
          ([r]) => Math.abs(r - shown(wideValue(x, 0), 2015, 2030)) <= 1,
          `x = ${x} in the default window`,
        );
      // A window 4 values wide around x = 16 (value 1508): black, grey, white across three neighbouring
      // columns 32 values apart -- possible only on the stored 16-bit values, not on an 8-bit rendering.
      await page.getByTestId('level').fill('1508');
      await page.getByTestId('width').fill('4');
      for (const x of [15, 16, 17])
        await pixelUntil(
          x + 0.5,
          0.5,
          ([r]) => Math.abs(r - shown(wideValue(x, 0), 1508, 4)) <= 1,
          `x = ${x} in a 4-value window`,
        );
      // An .npy stack is unsubtracted: the page offers the mask subtraction and shows its frames.
      const subtracted = page.waitForResponse((r) => r.url().includes('subtract=auto') && r.status() === 200);
      await page.getByTestId('subtract').selectOption('auto');
      await subtracted;
      await page.waitForFunction(() => (globalThis as unknown as PageGlobal).diasViewer.loadedFrames() === 4);
      assert.equal(await page.getByTestId('error').count(), 0);
    } finally {
      await wide.app.close();
    }
  },
);

test(
  'complete runs: the parametric map with its legend, and an artery/vein run segmenting in two colours',
  { skip, timeout: 120_000 },
  async () => {
    const folder = join(dir, 'complete');
    const o = getPreset('small');
    Object.assign(o, {
      width: 96,
      height: 96,
      frames: [20, 20],
      completeRun: true,
      classes: 'av',
      counts: { training: 1, validation: 0, test: 0, unlabeled: 0 },
    });
    await writeDataset({ out: folder, seed: 3, preset: 'tiny', options: o, workers: 1 });
    const avRuns = join(dir, 'av-runs');
    writeTinyRun(join(avRuns, 'av'), { dataDir: folder, frames: 8, labels: 'av' });
    const srv = await startServer({ data: folder, runs: avRuns, host: '127.0.0.1', port: 0 });
    try {
      const get = async (path: string) => new Uint8Array(await (await fetch(new URL(path, srv.url))).arrayBuffer());
      await page.goto(srv.url);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobal).diasViewer?.loadedFrames() === 20);
      await page.getByTestId('overlay-scribble').uncheck();

      // Time to peak: the page paints the server's colour overlay where a pixel has a value, with its legend.
      await page.getByTestId('perfusion-select').selectOption('ttp');
      await page.getByTestId('perfusion-legend').waitFor();
      const ttp = decode(await get('/api/sequences/s0/perfusion?map=ttp'));
      // A pixel with a value and a clearly dominant colour channel: the page shows that channel dominant there.
      const channels = (i: number) => [0, 1, 2].map((c) => ttp.data[4 * i + c]);
      const dominant = (rgb: number[]) => rgb.indexOf(Math.max(...rgb));
      const clear = (rgb: number[]) => Math.max(...rgb) - [...rgb].sort((x, y) => y - x)[1] > 60;
      const valued = [...Array(96 * 96).keys()].find((i) => ttp.data[4 * i + 3] === 255 && clear(channels(i)));
      assert.ok(valued !== undefined, 'a pixel of the time-to-peak map with a clear colour');
      const want = dominant(channels(valued));
      await pixelUntil(
        (valued % 96) + 0.5,
        Math.floor(valued / 96) + 0.5,
        // Blended with the frame underneath at the layer's opacity: the same channel leads, by less.
        (p) => dominant(p.slice(0, 3)) === want && Math.max(...p.slice(0, 3)) - Math.min(...p.slice(0, 3)) > 30,
        `the map's colour (channel ${want})`,
      );
      await page.getByTestId('perfusion-select').selectOption('');

      // An artery/vein run: after segmenting, its class map is the prediction layer, arteries red, veins blue.
      await page.getByTestId('run-select').selectOption('av');
      await page.getByTestId('segment').click();
      await page
        .getByTestId('progress')
        .filter({ hasText: /done in/ })
        .waitFor({ timeout: 60_000 });
      const classes = decodeGrayPng(await get('/api/sequences/s0/classes?run=av'));
      await page.getByTestId('legend-av').waitFor();
      let checked = 0;
      for (const [c, red] of [
        [1, true],
        [2, false],
      ] as const) {
        const i = classes.data.findIndex((v) => v === c);
        if (i < 0) continue;
        checked++;
        await pixelUntil(
          (i % 96) + 0.5,
          Math.floor(i / 96) + 0.5,
          ([r, , b]) => (red ? r > b + 40 : b > r + 40),
          `class ${c} ${red ? 'red' : 'blue'}`,
        );
      }
      assert.ok(checked > 0, 'the class map holds arteries or veins');
    } finally {
      await srv.app.close();
    }
  },
);
