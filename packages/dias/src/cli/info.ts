// `dias info`: what the engine runs on.
import { parseArgs } from 'node:util';
import { runtimeInfo, getNumThreads } from '@dias-ts/torch';
import { VERSION } from '../version.js';
import type { Command } from './command.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'libtorch version and build, CUDA, threads',
  usage: `Usage: dias info [--json] [--config]

Prints the libtorch the engine is linked against, whether CUDA is built and available, and the thread count.
  --json     one JSON object
  --config   also print libtorch's build configuration`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, config: { type: 'boolean' } } });
    const info = runtimeInfo();
    const summary = {
      dias: VERSION,
      libtorch: info.version,
      buildType: info.cudaBuilt ? 'CUDA' : 'CPU',
      cudaAvailable: info.cudaAvailable,
      cudaDevices: info.cudaDeviceCount,
      mkldnn: info.mkldnn,
      openmp: info.openmp,
      threads: getNumThreads(),
      ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null,
    };
    if (values.json) {
      console.log(JSON.stringify(values.config ? { ...summary, config: info.config } : summary));
      return 0;
    }
    console.log(`dias ${summary.dias}`);
    console.log(
      `libtorch ${summary.libtorch} (${summary.buildType} build${info.mkldnn ? ', oneDNN' : ''}${info.openmp ? ', OpenMP' : ''})`,
    );
    console.log(`CUDA available: ${summary.cudaAvailable ? `yes, ${summary.cudaDevices} device(s)` : 'no'}`);
    console.log(`threads: ${summary.threads} (OMP_WAIT_POLICY=${summary.ompWaitPolicy || "libgomp's default"})`);
    if (values.config) console.log(info.config);
    return 0;
  },
};
