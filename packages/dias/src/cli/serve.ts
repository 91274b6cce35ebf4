// `dias serve`: the browser viewer and scribble annotator over one dataset and its runs (server/app.ts holds the
// server; this file parses, checks and prints).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer } from '../server/app.js';
import { UsageError, type Command } from './command.js';
import { existingInput } from './flags.js';

const USAGE = `Usage: dias serve --data DIR [--runs DIR] [--port 8765] [--host 127.0.0.1] [--token T] [--open] [--no-warm]

Serves one dataset and the run folders under --runs to the browser: a cine viewer with window/level, MinIP,
overlays of labels, predictions and error maps, a scribble annotator that saves into the dataset, segmentation
with a run, training jobs from the scribbles, and the next sequence to annotate. Prints the URL and runs until
interrupted (Ctrl-C). The JSON API is described in docs/server-api.md.
  --data DIR      a DIAS-layout dataset, a folder of sequences (DICOM XA files, .npy stacks, TIFFs, frame
                  folders: one sequence each), or one sequence file
  --runs DIR      run folders of dias train to show and segment with; training jobs write new runs here
  --port N        TCP port (default 8765; 0 picks a free one)
  --host H        address to listen on (default 127.0.0.1); any non-loopback address needs --token
  --token T       required on every request (header Authorization: Bearer T, X-Dias-Token, or the cookie the
                  printed URL sets); also DIAS_SERVE_TOKEN
  --open          open the page in the default browser
  --no-warm       do not warm the model up at start: by default the inference worker loads the newest trained
                  run (else the default model) and predicts the first sequence once, writing nothing, so that the
                  first segmentation asked for is as fast as the next ones
Without --runs (or before anything is trained) the viewer segments with the default model, run ':default'; its
maps are kept in DIAS_CACHE_DIR, else $XDG_CACHE_HOME/dias, else ~/.cache/dias.
Scribbles are saved as training/scribbles_annotator/label_s{n}.png (1 vessel, 0 background, 255 unlabelled);
the version replaced is kept in training/scribbles_annotator/.history/.`;

function portFlag(value: string | undefined): number {
  if (value === undefined) return 8765;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`--port must be a whole number 0..65535, got '${value}'`);
  return Number(value);
}

/** Opens the URL with the platform's opener; a missing opener is a note, not a failure. */
function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`note: could not start ${opener}; open ${url} yourself`));
  child.unref();
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'browser viewer and scribble annotator over a dataset and its runs (HTTP API)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        runs: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        open: { type: 'boolean' },
        'no-warm': { type: 'boolean' },
      },
    });
    if (positionals.length)
      throw new UsageError(`dias serve: unexpected argument '${positionals[0]}' (see dias serve --help)`);
    if (!values.data) throw new UsageError('dias serve: --data DIR is required (see dias serve --help)');
    existingInput(values.data);
    if (values.runs !== undefined && (!existsSync(values.runs) || !statSync(values.runs).isDirectory())) {
      throw new UsageError(`--runs ${values.runs}: no such folder`);
    }
    const token = values.token ?? (process.env.DIAS_SERVE_TOKEN || undefined);
    if (token !== undefined && token.length < 8) throw new UsageError('--token must be at least 8 characters');
    const host = values.host ?? '127.0.0.1';
    const port = portFlag(values.port);
    let served;
    try {
      served = await startServer({ data: values.data, runs: values.runs, token, host, port });
    } catch (e) {
      const err = e as Error & { exitCode?: number; code?: string };
      if (err.exitCode === 2) throw new UsageError(err.message);
      if (err.code === 'EADDRINUSE')
        throw new UsageError(`--port ${port}: in use by another program; choose another (or 0 for any free port)`);
      // --host is the command line's to fix: a name that does not resolve, an address this machine does not have.
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_NONAME')
        throw new UsageError(`--host ${host}: no such host (${err.code})`);
      if (err.code === 'EADDRNOTAVAIL')
        throw new UsageError(`--host ${host}: not an address of this machine (EADDRNOTAVAIL)`);
      throw e;
    }
    const { app, datastore, url } = served;
    console.log(`dias serve: ${datastore.root} (${datastore.layout})${values.runs ? `, runs in ${values.runs}` : ''}`);
    console.log(url);
    if (values.open) openBrowser(url);
    // After the browser's opener: starting a child forks this process, and pages of the heap the warm-up grows would
    // then all fault in again on the next forward pass (bench/pytorch-side.ts measured it).
    if (!values['no-warm'])
      void served.warmUp().then((w) => {
        if (w) console.log(`dias serve: ${w.run} warmed up on sequence ${w.sequence} (${w.seconds.toFixed(1)} s)`);
      });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        console.log('dias serve: stopping');
        void app.close().then(() => resolve());
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
