#!/usr/bin/env node
// One command from a fresh clone to a working `dias`: libtorch (Debian's libtorch-dev when none is found),
// npm packages, the native addon, the TypeScript build, the viewer page (Vite) and Debian's chromium for the
// browser tests. Idempotent: each step is skipped when up to date.
//   node scripts/setup.mjs              everything
//   node scripts/setup.mjs --if-needed  same, silent when nothing is to do (used by npm test / npm run demo)
//   node scripts/setup.mjs --build-only addon and TypeScript only
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--if-needed');
const log = (msg) => console.log(`[setup] ${msg}`);
// libgloo-dev: the Gloo headers libtorch's c10d needs for distributed training (packages/torch/native/distributed.cc).
const APT_PACKAGES = ['libtorch-dev', 'libopenblas0-openmp', 'libgloo-dev'];

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function newestMtime(dir, filter = () => true) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, filter));
    else if (filter(p)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

async function ensureLibtorch() {
  const { findLibtorch } = await import('../packages/torch/scripts/libtorch.mjs');
  const isRoot = process.getuid?.() === 0;
  if (findLibtorch()) {
    // A machine that got Debian's libtorch before data-parallel training existed lacks the Gloo headers: without
    // them the addon builds with no c10d backend. Add them (the addon is built afresh on a new clone).
    if (
      existsSync('/usr/include/torch') &&
      !existsSync('/usr/include/gloo') &&
      isRoot &&
      existsSync('/usr/bin/apt-get')
    ) {
      log('installing libgloo-dev with apt-get (the Gloo headers for data-parallel training)');
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const args = ['install', '-y', '--no-install-recommends', 'libgloo-dev'];
      if (spawnSync('apt-get', args, { stdio: 'inherit', env }).status !== 0) {
        run('apt-get', ['update'], { env });
        run('apt-get', args, { env });
      }
    }
    return;
  }
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `libtorch not found. Install it with:\n  sudo apt-get install -y ${APT_PACKAGES.join(' ')}\nor point LIBTORCH at a libtorch folder (include/, lib/, share/cmake/Torch).`,
    );
  }
  log(`installing ${APT_PACKAGES.join(' ')} with apt-get (Debian's PyTorch C++ library and a fast BLAS)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...APT_PACKAGES], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) {
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', '--no-install-recommends', ...APT_PACKAGES], { env });
  }
}

// Debian's chromium drives the viewer's browser tests (playwright-core, no downloaded browser builds). Without it
// those tests skip, so a failed install only warns.
const CHROMIUM = '/usr/bin/chromium';
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    log(`${CHROMIUM} not found: the browser tests will skip (install it with: sudo apt-get install -y chromium)`);
    return;
  }
  log("installing chromium with apt-get (for the viewer's browser tests)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const argv = ['install', '-y', '--no-install-recommends', 'chromium'];
  if (spawnSync('apt-get', argv, { stdio: 'inherit', env }).status === 0) return;
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (spawnSync('apt-get', argv, { stdio: 'inherit', env }).status !== 0)
    log('chromium could not be installed: the browser tests will skip');
}

/** The viewer page (packages/web/dist) is current when it is newer than every source of it. */
function webPageCurrent() {
  const web = join(root, 'packages', 'web');
  const built = join(web, 'dist', 'index.html');
  if (!existsSync(built)) return false;
  const sources = Math.max(
    newestMtime(join(web, 'src')),
    ...['index.html', 'vite.config.ts', 'package.json'].map((f) => statSync(join(web, f)).mtimeMs),
  );
  return statSync(built).mtimeMs >= sources;
}

function npmPackagesCurrent() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  return existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

function typescriptCurrent() {
  const built = ['packages/torch', 'packages/dias'].map((p) => join(root, p, 'dist'));
  if (!built.every(existsSync)) return false;
  const output = Math.min(...built.map((d) => newestMtime(d)));
  const sources = Math.max(
    ...['packages/torch', 'packages/dias'].map((p) =>
      newestMtime(join(root, p), (f) => /\/(src|bench|test)\//.test(f) && f.endsWith('.ts') && !f.includes('/dist/')),
    ),
  );
  return output >= sources;
}

async function main() {
  if (!args.has('--build-only')) {
    await ensureLibtorch();
    ensureChromium();
    if (!npmPackagesCurrent()) {
      log('installing npm packages (npm ci)');
      run('npm', ['ci', '--no-audit', '--no-fund']);
    }
  }
  const { buildNative, addonIsCurrent } = await import('../packages/torch/scripts/build-native.mjs');
  if (!addonIsCurrent()) {
    log('building the libtorch addon (about a minute)');
    buildNative();
  }
  if (!typescriptCurrent()) {
    if (!quiet) log('compiling TypeScript');
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  }
  if (!webPageCurrent()) {
    if (!quiet) log('building the viewer page (Vite)');
    run(
      process.execPath,
      [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', quiet ? 'warn' : 'info'],
      { cwd: join(root, 'packages', 'web') },
    );
  }
  if (!quiet) log('ready: try `npx dias info`');
}

main().catch((e) => {
  console.error(`[setup] ${e.message}`);
  process.exit(1);
});
