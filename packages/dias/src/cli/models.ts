// `dias models` and `dias model verify`.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isDir } from '../data/readers/dias-layout.js';
import { allModels, createModel } from '../models/registry.js';
import { referenceNames, verifyReferenceModel, TOLERANCE, type VerifyResult } from '../models/verify.js';
import { UsageError, type Command } from './command.js';

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'the model zoo: kind, parameters, frames, size multiple, aliases',
  usage: `Usage: dias models [--json]

Lists every architecture: its kind (2d: frames as channels; 3d: 3D network with a dimension-reduction head;
3d->2d: sequence encoder, 2D decoder), parameter count with default options, the frame counts it accepts, the
multiple its height and width must be, and its aliases.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
    const rows = allModels().map((spec) => {
      const model = createModel(spec.name);
      const row = {
        name: spec.name,
        kind: spec.kind,
        parameters: model.parameterCount(),
        frames: spec.frames(spec.defaults),
        sizeMultiple: spec.sizeMultiple,
        aliases: spec.aliases,
        summary: spec.summary,
      };
      model.dispose();
      return row;
    });
    if (values.json) {
      console.log(JSON.stringify(rows));
      return 0;
    }
    const header = ['model', 'kind', 'params', 'frames', 'size', 'aliases'];
    const table = rows.map((r) => [
      r.name,
      r.kind,
      formatCount(r.parameters),
      String(r.frames),
      `x${r.sizeMultiple}`,
      r.aliases.join(', '),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    console.log(line(header));
    for (const r of table) console.log(line(r));
    return 0;
  },
};

export const modelCommand: Command = {
  name: 'model',
  summary: 'model tools: verify equivalence with the official PyTorch models',
  usage: `Usage: dias model verify --reference DIR [--model NAME] [--json]

For every <Name>.json in DIR (or only NAME): builds the model from the official constructor arguments, fills
every weight and the input by the reference recipe, runs the forward pass in eval mode and compares it with
<Name>.output.npy. Relative error ||y - ref|| / ||ref - mean(ref)||, equivalent at <= ${TOLERANCE}.
Prints one line per model and last "N/M equivalent"; exit code 1 if any differs (an unknown constructor key
fails its model), 2 if DIR holds no references.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'verify')
      throw new UsageError(`dias model: unknown subcommand '${sub ?? ''}' (try: dias model verify --help)`);
    const { values } = parseArgs({
      args: rest,
      options: { reference: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!values.reference) throw new UsageError('dias model verify: --reference DIR is required');
    if (!existsSync(values.reference)) throw new UsageError(`--reference ${values.reference}: no such folder`);
    if (!isDir(values.reference)) throw new UsageError(`--reference ${values.reference}: not a folder`);
    let names = referenceNames(values.reference);
    // Nothing compared is not a pass: "0/0 equivalent" with exit 0 hid a wrong --reference path.
    if (!names.length)
      throw new UsageError(`--reference ${values.reference}: no references (<Name>.json with <Name>.output.npy)`);
    if (values.model) {
      names = names.filter((n) => n.toLowerCase() === values.model!.toLowerCase());
      if (!names.length) throw new UsageError(`dias model verify: no ${values.model}.json in ${values.reference}`);
    }
    const results: VerifyResult[] = [];
    for (const name of names) {
      const r = verifyReferenceModel(values.reference, name);
      results.push(r);
      if (!values.json) {
        const error = Number.isNaN(r.relativeError) ? 'n/a' : r.relativeError.toExponential(2);
        console.log(
          `${r.model.padEnd(16)} ${formatCount(r.parameters).padStart(8)} params  rel.err ${error.padStart(9)}  ${r.passed ? 'pass' : 'FAIL'}${r.problem ? `  (${r.problem})` : ''}`,
        );
      }
    }
    const passed = results.filter((r) => r.passed).length;
    if (values.json) console.log(JSON.stringify({ results, passed, total: results.length }));
    else console.log(`${passed}/${results.length} equivalent`);
    return passed === results.length ? 0 : 1;
  },
};
