// The dias command line: `dias <command> [options]`; every command has --help.
import { VERSION } from '../version.js';
import { DEFAULT_MAX_PIXELS, maxPixels, setMaxPixels } from '../image/pixel-limit.js';
import { positiveIntFlag } from './flags.js';
import { exitCodeOf, helpText, UsageError, wantsHelp, type Command } from './command.js';
// Each command's module is imported only when it runs (or for the help, which lists them all): a command that
// needs neither the server nor training does not load Fastify, the training code or the codecs they import
// (measured: about 0.3 s of CPU of a \`dias segment\` start, before the first pixel is read).
const commandLoaders: readonly (readonly [string, () => Promise<Command>])[] = [
  ['info', async () => (await import('./info.js')).infoCommand],
  ['models', async () => (await import('./models.js')).modelsCommand],
  ['model', async () => (await import('./models.js')).modelCommand],
  ['bench', async () => (await import('./bench.js')).benchCommand],
  ['metrics', async () => (await import('./metrics.js')).metricsCommand],
  ['data', async () => (await import('./data.js')).dataCommand],
  ['train', async () => (await import('./train.js')).trainCommand],
  ['test', async () => (await import('./test.js')).testCommand],
  ['segment', async () => (await import('./segment.js')).segmentCommand],
  ['perfusion', async () => (await import('./perfusion.js')).perfusionCommand],
  ['synth', async () => (await import('./synth.js')).synthCommand],
  ['serve', async () => (await import('./serve.js')).serveCommand],
];

async function help(): Promise<string> {
  const commands = await Promise.all(commandLoaders.map(([, load]) => load()));
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
    console.log(await help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const load = commandLoaders.find(([n]) => n === name)?.[1];
  if (!load) {
    console.error(`dias: unknown command '${name}'\n\n${await help()}`);
    return 2;
  }
  const command = await load();
  if (command.name !== name) throw new Error(`internal: the loader of '${name}' gave the command '${command.name}'`);
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
