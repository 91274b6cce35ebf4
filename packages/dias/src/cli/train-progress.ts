// Progress bars for the epochs and validations of a run, drawn from the loop's events (loop.ts), for the commands
// that train (dias train, dias bench report). The bars draw only on a terminal.
import { ProgressBar } from './progress.js';
import { describeLosses, type TrainEvents } from '../train/loop.js';

/** Progress bars for the epochs and validations of a run (they draw only on a terminal). */
export function progressEvents(enabled: boolean, log?: (line: string) => void): TrainEvents {
  let bar: ProgressBar | null = null;
  let names: string[] = [];
  return {
    ...(log ? { log } : {}),
    epochStart(epoch, epochs, steps) {
      bar = new ProgressBar(`epoch ${epoch}/${epochs}`, steps, { enabled, unit: 'steps' });
    },
    step(_index, mean, lr) {
      names = Object.keys(mean);
      bar?.tick(1, `${describeLosses(names, mean)} lr ${lr.toExponential(2)}`);
    },
    epochTrained() {
      bar?.finish();
    },
    validationStart(epoch, sequences) {
      bar = new ProgressBar(`validate ${epoch}`, sequences, { enabled, unit: 'sequences' });
    },
    validationSequence() {
      bar?.tick();
    },
    validationEnd() {
      bar?.finish();
    },
  };
}
