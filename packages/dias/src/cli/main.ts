// The dias command line: `dias <command> [options]`; every command has --help.
import { VERSION } from '../version.js';
import { DEFAULT_MAX_PIXELS, maxPixels, setMaxPixels } from '../image/pixel-limit.js';
import { positiveIntFlag } from './flags.js';
import { exitCodeOf, helpText, UsageError, wantsHelp, type Command } from './command.js';
import { infoCommand } from './info.js';
import { modelCommand, modelsCommand } from './models.js';
import { metricsCommand } from './metrics.js';
import { benchCommand } from './bench.js';
import { dataCommand } from './data.js';
import { testCommand } from './test.js';
import { segmentCommand } from './segment.js';
import { trainCommand } from './train.js';
import { synthCommand } from './synth.js';
import { serveCommand } from './serve.js';
import { perfusionCommand } from './perfusion.js';

const commands: Command[] = [
  infoCommand,
  modelsCommand,
  modelCommand,
  benchCommand,
  metricsCommand,
  dataCommand,
  trainCommand,
  testCommand,
  segmentCommand,
  perfusionCommand,
  synthCommand,
  serveCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `dias ${VERSION}: intracranial artery segmentation in DSA sequences

Usage: dias <command> [options]      dias <command> --help for a command's options

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  --version        print the version
  --help           this text
  --max-pixels N   with any command: the largest image a decoder reads, in pixels per file (width x height x
                   frames; default ${DEFAULT_MAX_PIXELS}, or DIAS_MAX_PIXELS); a larger one is an error
  A negative value is written --flag=-1 (with '=': a separate -1 reads as an option).

Exit codes: 0 done; 1 the command failed (a file could not be read or broke a rule, a check found problems);
2 the command line is wrong (unknown command or option, a bad or missing flag or setting, no such path), and
nothing was done.`;
}

/**
 * Takes the global --max-pixels N (or --max-pixels=N) out of argv, wherever it stands, and applies it; checks
 * DIAS_MAX_PIXELS too, so a bad value is a usage error before any file is read.
 */
function applyPixelLimit(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a !== '--max-pixels' && !a.startsWith('--max-pixels=')) {
      rest.push(a);
      continue;
    }
    const value = a === '--max-pixels' ? argv[++i] : a.slice('--max-pixels='.length);
    setMaxPixels(positiveIntFlag('max-pixels', value ?? '', 0));
  }
  try {
    maxPixels();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return rest;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = applyPixelLimit(argv);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`dias: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(helpText(command, rest));
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`dias: ${message}`);
    process.exitCode = exitCodeOf(error);
  },
);
