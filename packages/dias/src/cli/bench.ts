// `dias bench train`: training-step and inference speed of a model on random patches; `dias bench report`:
// several models trained with one budget and tested (bench-report.ts); `dias bench ssl`: the semi-supervised
// curve (bench-ssl.ts); `dias bench data`: training-batch
// throughput with and without the prefetching workers (bench-data.ts).
import { parseArgs } from 'node:util';
import { benchTrainStep } from '../bench/train-step-bench.js';
import { findModel } from '../models/registry.js';
import { benchData, BENCH_DATA_USAGE } from './bench-data.js';
import { benchSegmentCommand, BENCH_SEGMENT_USAGE } from './bench-segment.js';
import { benchClickCommand, BENCH_CLICK_USAGE } from './bench-click.js';
import { benchReport, BENCH_REPORT_USAGE } from './bench-report.js';
import { benchSsl, BENCH_SSL_USAGE } from './bench-ssl.js';
import { benchAvTtp, BENCH_AV_TTP_USAGE } from './bench-av-ttp.js';
import { UsageError, type Command } from './command.js';
import { ProgressBar } from './progress.js';
import { availableDevice, positiveIntFlag } from './flags.js';
import { applyThreadsFlag } from './inference-flags.js';

const BENCH_TRAIN_USAGE = `Usage: dias bench train --model NAME [--batch 4] [--patch 64] [--frames 8] [--steps 20] [--threads K]
                        [--device cpu|cuda] [--json] [--no-progress]

One warm-up step, then --steps timed training steps (forward, cross-entropy against random 0/1 targets,
backward, AdamW lr 5e-4 weight decay 0.01, fp32) and their median; then the median of eval-mode forward passes
of the same batch. 2D models take the frames as channels; VSS_Net_all is VSS-Net on all frames. The last line
printed is JSON: {"model","batch","patch","frames","threads","device","train_step_ms","infer_batch_ms",
"rss_mb_start","rss_mb_end"} (rss_mb_start after step 20 when there are more than 20 steps, else after warm-up).
  --model NAME     the model to time (a name or alias of dias models; required)
  --batch N        patches per step (default 4)
  --patch N        patch height and width in pixels (default 64)
  --frames N       frames per patch (default 8)
  --steps N        timed training steps after the warm-up (default 20)
  --threads K      libtorch threads (default: the free cores; at most the cores)
  --device D       cpu (default) or cuda
  --json           print only the JSON line
  --no-progress    no progress bar`;

const SUBCOMMANDS: Record<string, string> = {
  train: BENCH_TRAIN_USAGE,
  report: BENCH_REPORT_USAGE,
  ssl: BENCH_SSL_USAGE,
  data: BENCH_DATA_USAGE,
  segment: BENCH_SEGMENT_USAGE,
  click: BENCH_CLICK_USAGE,
  'av-ttp': BENCH_AV_TTP_USAGE,
};

export const benchCommand: Command = {
  name: 'bench',
  summary:
    'benchmarks: training step and inference speed of a model; a trained-and-tested model comparison; the semi-supervised curve; data throughput; click-to-overlay segmentation time, alone and through the server',
  usage: `Usage: dias bench train|report|ssl|data|segment|click|av-ttp [options]      dias bench SUBCOMMAND --help for one of them

${Object.values(SUBCOMMANDS).join('\n\n')}`,
  subcommandUsage: (sub) => SUBCOMMANDS[sub],
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'report') return benchReport(rest);
    if (sub === 'data') return benchData(rest);
    if (sub === 'ssl') return benchSsl(rest);
    if (sub === 'segment') return benchSegmentCommand(rest);
    if (sub === 'click') return benchClickCommand(rest);
    if (sub === 'av-ttp') return benchAvTtp(rest);
    if (sub !== 'train')
      throw new UsageError(
        `dias bench: unknown benchmark '${sub ?? ''}' (train, report, ssl, data, segment, click or av-ttp; see dias bench --help)`,
      );
    const { values } = parseArgs({
      args: rest,
      options: {
        model: { type: 'string' },
        batch: { type: 'string' },
        patch: { type: 'string' },
        frames: { type: 'string' },
        steps: { type: 'string' },
        threads: { type: 'string' },
        device: { type: 'string' },
        json: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
      },
    });
    if (!values.model) throw new UsageError('dias bench train: --model NAME is required (see dias models)');
    try {
      findModel(values.model);
    } catch (e) {
      throw new UsageError(`--model: ${(e as Error).message}`);
    }
    const device = availableDevice(values.device);
    const steps = positiveIntFlag('steps', values.steps, 20);
    applyThreadsFlag(values.threads);
    const bar = new ProgressBar(`bench ${values.model}`, steps, { enabled: !values['no-progress'], unit: 'steps' });
    const result = benchTrainStep({
      model: values.model,
      batch: positiveIntFlag('batch', values.batch, 4),
      patch: positiveIntFlag('patch', values.patch, 64),
      frames: positiveIntFlag('frames', values.frames, 8),
      steps,
      device,
      onStep: () => bar.tick(),
    });
    bar.finish();
    if (!values.json) {
      console.log(
        `${result.model}: training step ${result.train_step_ms} ms, eval forward ${result.infer_batch_ms} ms ` +
          `(batch ${result.batch} of ${result.frames}x${result.patch}x${result.patch}, ${result.threads} thread(s), ${result.device}); RSS ${result.rss_mb_start} -> ${result.rss_mb_end} MB`,
      );
    }
    console.log(JSON.stringify(result));
    return 0;
  },
};
