#!/usr/bin/env node
// Builds the libtorch addon with node-gyp (found in node_modules), against the running Node's headers when the
// machine has them, so nothing is downloaded. Rebuilds only when a source is newer than the addon, unless --force.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './libtorch.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const addonPath = join(packageDir, 'build', 'Release', 'torch_native.node');

export function addonIsCurrent() {
  if (!existsSync(addonPath)) return false;
  const built = statSync(addonPath).mtimeMs;
  const sources = readdirSync(join(packageDir, 'native')).map((f) => join(packageDir, 'native', f));
  sources.push(join(packageDir, 'binding.gyp'));
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

/** Node's own headers (a distribution's /usr/include/node or the official tarball layout) when present. */
function nodeDir() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

export function buildNative({ force = false, quiet = false } = {}) {
  if (!force && addonIsCurrent()) return;
  const libtorch = findLibtorch();
  if (!libtorch) throw new Error('libtorch not found: run `npm run setup` (or set LIBTORCH to a libtorch folder)');
  if (!quiet)
    console.log(
      `building the libtorch addon against ${libtorch.source} (libtorch ${libtorch.version}${libtorch.cuda ? ', CUDA' : ''})`,
    );
  const require = createRequire(import.meta.url);
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [packageDir] });
  const dir = nodeDir();
  const common = dir ? [`--nodedir=${dir}`] : [];
  // configure + build instead of rebuild: the old addon stays in place until the new one is linked, so
  // processes using it meanwhile keep working.
  const configured = join(packageDir, 'build', 'config.gypi');
  const stdio = quiet ? 'pipe' : 'inherit';
  if (
    force ||
    !existsSync(configured) ||
    statSync(configured).mtimeMs < statSync(join(packageDir, 'binding.gyp')).mtimeMs
  ) {
    const configure = spawnSync(process.execPath, [gyp, 'configure', ...common], { cwd: packageDir, stdio });
    if (configure.status !== 0)
      throw new Error(`configuring the addon build failed (node-gyp exit ${configure.status})`);
  }
  const result = spawnSync(process.execPath, [gyp, 'build', `--jobs=${Math.max(1, cpus().length)}`, ...common], {
    cwd: packageDir,
    stdio,
  });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(result.stderr ?? '');
    throw new Error(`building the addon failed (node-gyp exit ${result.status})`);
  }
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  try {
    buildNative({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
