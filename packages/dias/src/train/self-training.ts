// RPST, the DIAS paper's semi-supervised method (random patch-based self-training), as stages of ordinary runs:
//   RUN/iter0/          the teacher: fsl on the labelled subset (data.labelled / data.labelledIds), weak augmentation
//   RUN/pseudo/iter1/   the teacher's pseudo-labels of the unlabelled pool (pseudo-labels.ts; DIAS layout)
//   RUN/iter1/          student 1: fsl on the random patch mix -- with probability rpst.pseudoProbability a
//                       pseudo-labelled patch with weak + strong augmentation (rpst.strongAugment, the official
//                       ssl-strong), else a labelled patch with weak augmentation; it continues from its teacher
//                       (weights and AdamW state, as released) or starts anew (rpst.student), with a fresh
//                       schedule (as released) or the next epochs of one schedule over all stages (rpst.schedule)
//   RUN/pseudo/iter2/, RUN/iter2/, ...   each student becomes the next teacher, rpst.iterations times
//   RUN/config.json     the whole run's settings; RUN/iterations.json each stage's validation result
// The recipe's `stages` (recipes/rpst.ts) give the number of students, each stage's settings and how a teacher
// pseudo-labels; train() (index.ts) runs this for such a recipe. Each stage is a run folder of its own (loop.ts), so any stage resumes bit for bit, and `dias test --run RUN
// --iteration k` tests stage k (0 = the teacher; default the last). Follows semi_supervised_segmentation/
// ssl_train.py and inference.py of the official code; where it differs, see docs/semi-supervision.md.
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@dias-ts/torch';
import { openDiasDataset } from '../data/readers/dias-layout.js';
import { finalizeTrainConfig } from './config.js';
import { writePseudoLabels, pseudoLabelsExist } from './pseudo-labels.js';
import { labelledSubset } from './training-data.js';
import {
  loadRunModel,
  openRunFolder,
  readLog,
  runPath,
  stagePath,
  writeRunConfig,
  type EpochLog,
} from './run-folder.js';
import { trainLoop, type TrainOptions, type TrainResult } from './loop.js';
import type { StagedTraining } from './recipe.js';

export function pseudoPath(runDir: string, k: number): string {
  return join(runDir, 'pseudo', `iter${k}`);
}

function stageFinished(dir: string): boolean {
  if (!existsSync(runPath(dir, 'final'))) return false;
  // The record's JSON copy, not the state file with every tensor; a copy missing after a kill only means the stage
  // is resumed, and the loop sees at once that it had finished.
  try {
    return (JSON.parse(readFileSync(runPath(dir, 'latestJson'), 'utf8')) as { finished?: boolean }).finished === true;
  } catch {
    return false;
  }
}

/** Stage k's validation summary for iterations.json. */
function stageSummary(dir: string, k: number): Record<string, unknown> {
  const log = readLog(dir);
  const best = [...log].reverse().find((e) => e.best && e.val) ?? [...log].reverse().find((e) => e.val);
  return {
    iteration: k,
    role: k === 0 ? 'teacher' : 'student',
    epochs: log.length,
    best_epoch: best?.epoch ?? null,
    val: best?.val ?? null,
  };
}

/** Trains (or resumes) a run in stages: the teacher, then each iteration's pseudo-labels and student. */
export async function runSelfTraining(o: TrainOptions, stages: StagedTraining): Promise<TrainResult> {
  const ev = o.events ?? {};
  const log = (line: string) => (ev.log ? ev.log(line) : console.log(line));
  const config = finalizeTrainConfig(o.config);
  const { runDir } = o;
  const name = config.train.recipe;
  const folders = { stage: (k: number) => stagePath(runDir, k), pseudo: (k: number) => pseudoPath(runDir, k) };
  // The students need an unlabelled pool: say so before hours go into the teacher.
  const dataset = openDiasDataset(config.data.dir);
  if (dataset.splits.unlabelled.length === 0) {
    throw new Error(`${config.data.dir}: no unlabelled sequences (unlabeled/images/); ${name} pseudo-labels that pool`);
  }
  // Every pool sequence is read once now, and dropped: a broken frame in the pool stopped the run only when the
  // teacher, trained, came to pseudo-label it.
  for (const ref of dataset.splits.unlabelled) dataset.load(ref, { frames: 'native', scribble: false, label: false });
  // The teacher's labelled subset, checked before RUN/config.json is written.
  labelledSubset(dataset, config.data.labelled, config.data.labelledIds);
  const mode = openRunFolder(runDir, config, { resume: o.resume, force: o.force });
  const created = !existsSync(runDir);
  if (mode === 'fresh') writeRunConfig(runDir, config);
  // A teacher that fails to start (before its own config.json) takes RUN/config.json back with it: a half-written
  // RUN would refuse the corrected command as "exists and is not empty".
  const unstart = () => {
    rmSync(runPath(runDir, 'config'), { force: true });
    for (const dir of [stagePath(runDir, 0), ...(created ? [runDir] : [])])
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  };

  const K = stages.students(config);
  const labelling = stages.pseudoLabelling(config);
  let budget = o.stopAfterEpochs ?? Infinity;
  const history: EpochLog[] = [];
  let last: TrainResult | null = null;
  const summaries: Record<string, unknown>[] = [];
  for (let k = 0; k <= K; k++) {
    const dir = stagePath(runDir, k);
    const role = k === 0 ? 'teacher' : `student ${k}/${K}`;
    if (k > 0 && !pseudoLabelsExist(pseudoPath(runDir, k))) {
      const teacher = loadRunModel(stagePath(runDir, k - 1), config.validation.select === 'final' ? 'final' : 'best');
      try {
        if (config.train.device !== 'cpu') teacher.model.to(config.train.device);
        log(`${name}: pseudo-labelling the unlabelled pool with iteration ${k - 1} into ${pseudoPath(runDir, k)}`);
        const s = writePseudoLabels(teacher.model, teacher.spec, config.data.dir, pseudoPath(runDir, k), {
          frames: teacher.frames,
          patchSize: config.data.patchSize,
          stride: config.validation.stride,
          batchSize: config.validation.batchSize,
          blend: config.validation.blend,
          tta: labelling.tta,
          device: config.train.device,
          confidenceBand: labelling.confidenceBand,
        });
        log(
          `${name}: ${s.sequences} sequences, ${(100 * s.vessel).toFixed(2)}% vessel${labelling.confidenceBand > 0 ? `, ${(100 * s.ignored).toFixed(2)}% left out by the confidence band` : ''}`,
        );
      } finally {
        teacher.model.dispose();
      }
    }
    if (!stageFinished(dir)) {
      if (budget <= 0) break;
      const resume = existsSync(runPath(dir, 'config'));
      log(`${name}: ${resume ? 'resuming' : 'training'} the ${role} in ${dir}`);
      const before = resume ? readLog(dir).length : 0;
      last = await trainLoop({
        ...o,
        config: stages.stageConfig(config, k, folders),
        runDir: dir,
        resume,
        force: false,
        ...(Number.isFinite(budget) ? { stopAfterEpochs: budget } : {}),
      }).catch((e: unknown) => {
        if (k === 0 && mode === 'fresh' && !existsSync(runPath(dir, 'config'))) unstart();
        throw e;
      });
      budget -= last.epochs - before;
    } else last = null;
    history.push(...readLog(dir).map((e) => ({ ...e, epoch: history.length + e.epoch })));
    summaries.push(stageSummary(dir, k));
    writeFileAtomic(join(runDir, 'iterations.json'), `${JSON.stringify(summaries, null, 2)}\n`);
    if (!stageFinished(dir)) break;
    const dsc = (summaries[k].val as Record<string, number | null> | null)?.DSC;
    log(`${name}: iteration ${k} (${role}) done${typeof dsc === 'number' ? `: validation DSC ${dsc.toFixed(4)}` : ''}`);
  }
  const finished = summaries.length === K + 1 && stageFinished(stagePath(runDir, K));
  const best = last?.best ?? { metric: config.validation.select, value: null, epoch: null };
  return { runDir, config, epochs: history.length, finished, best, history };
}
