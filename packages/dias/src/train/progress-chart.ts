// RUN/progress.png: three panels over the epochs of a run -- the training losses (whatever the recipe reports:
// fsl's CE + (1 − Dice) and its parts, SSCR's pCE, pseudo-label and consistency terms, ...; with the validation
// loss), the validation metrics (image-level DSC and AUC, patch-level AUC), and the learning
// rate on a log scale.
import { RgbCanvas } from '../image/rgb-canvas.js';
import { drawChartPanel, type ChartPanel } from '../image/line-chart.js';
import { writeRgbPng, type RgbImage } from '../image/png.js';

/** What the chart reads of a log.jsonl line (run-folder.ts's EpochLog, which saveEpoch hands it). */
export interface ChartEntry {
  epoch: number;
  train: Record<string, number>;
  lr: number;
  val?: Record<string, number | null>;
  val_patch?: Record<string, number | null>;
  val_loss?: number;
}

const PANEL_W = 380;
const PANEL_H = 260;
const SCALE = 2;

const num = (v: number | null | undefined) => (typeof v === 'number' ? v : NaN);
const LOSS_COLORS: readonly (readonly [number, number, number])[] = [
  [31, 119, 180],
  [148, 103, 189],
  [255, 127, 14],
  [44, 160, 44],
  [140, 86, 75],
  [227, 119, 194],
  [23, 190, 207],
];

/** The training losses the entries report, in the order they first appear ('loss' first). */
function lossNames(entries: readonly ChartEntry[]): string[] {
  const names: string[] = [];
  for (const e of entries) for (const k of Object.keys(e.train ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

export function renderProgressChart(entries: readonly ChartEntry[]): RgbImage {
  // Epochs without the value (not validated) are left out, so the points either side are joined; a NaN value
  // (undefined metric) leaves a gap.
  const xy = (f: (e: ChartEntry) => number | null | undefined) =>
    entries.filter((e) => f(e) !== undefined).map((e) => [e.epoch, num(f(e))] as const);
  const last = entries.length ? entries[entries.length - 1].epoch : 1;
  const xRange = [Math.min(1, last), Math.max(2, last)] as const;
  const panels: ChartPanel[] = [
    {
      title: 'LOSS',
      xLabel: 'EPOCH',
      xRange,
      series: [
        ...lossNames(entries).map((name, i) => ({
          name: name === 'loss' ? 'TRAIN' : name === 'dice' ? '1-DICE' : name.toUpperCase(),
          color: LOSS_COLORS[i % LOSS_COLORS.length],
          points: xy((e) => (name === 'dice' ? 1 - num(e.train[name]) : e.train[name])),
        })),
        { name: 'VAL', color: [214, 39, 40], points: xy((e) => e.val_loss) },
      ],
    },
    {
      title: 'VALIDATION',
      xLabel: 'EPOCH',
      xRange,
      yRange: [0, 1],
      series: [
        { name: 'DSC', color: [44, 160, 44], points: xy((e) => e.val?.DSC) },
        { name: 'AUC', color: [31, 119, 180], points: xy((e) => e.val?.AUC) },
        { name: 'PATCH AUC', color: [255, 127, 14], points: xy((e) => e.val_patch?.AUC) },
      ],
    },
    {
      title: 'LEARNING RATE',
      xLabel: 'EPOCH',
      xRange,
      logY: true,
      series: [{ name: 'LR', color: [140, 86, 75], points: xy((e) => e.lr) }],
    },
  ];
  const canvas = new RgbCanvas(PANEL_W * panels.length, PANEL_H, [255, 255, 255]);
  panels.forEach((p, i) =>
    drawChartPanel(canvas, { x: i * PANEL_W + 4, y: 4, width: PANEL_W - 8, height: PANEL_H - 8 }, p, SCALE),
  );
  return canvas.toImage();
}

/** Renders and writes the chart atomically. */
export function writeProgressChart(path: string, entries: readonly ChartEntry[]): void {
  writeRgbPng(path, renderProgressChart(entries));
}
