#!/usr/bin/env node
// Finds the libtorch to build against, in the documented order:
//   1. $LIBTORCH (a folder with include/, lib/, share/cmake/Torch)
//   2. the libtorch inside an importable PyTorch (python3 -c "import torch")
//   3. the system's (Debian's libtorch-dev: /usr/include/torch, /usr/lib/<multiarch>)
// Usage: node libtorch.mjs [json|include_dirs|lib_dir|libraries|cflags|ldflags|defines]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function fromPrefix(prefix, libDir, source) {
  const include = join(prefix, 'include');
  if (!existsSync(join(include, 'ATen', 'ATen.h')) || !existsSync(libDir)) return null;
  return { source, prefix, includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')], libDir };
}

function fromEnv() {
  const dir = process.env.LIBTORCH;
  if (!dir) return null;
  const found = fromPrefix(dir, join(dir, 'lib'), `LIBTORCH=${dir}`);
  if (!found) throw new Error(`LIBTORCH=${dir} does not look like libtorch (need include/ATen/ATen.h and lib/)`);
  return found;
}

function fromPython() {
  try {
    const out = execFileSync(
      'python3',
      ['-c', 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    )
      .trim()
      .split('\n');
    const found = fromPrefix(out[0], join(out[0], 'lib'), `python torch at ${out[0]}`);
    if (found) found.cxx11Abi = out[1] === '1';
    return found;
  } catch {
    return null;
  }
}

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
  } catch {
    return 'x86_64-linux-gnu';
  }
}

function fromSystem() {
  for (const libDir of [`/usr/lib/${multiarch()}`, '/usr/lib', '/usr/local/lib']) {
    if (existsSync(join(libDir, 'libtorch_cpu.so')) || existsSync(join(libDir, 'libtorch.so'))) {
      for (const prefix of ['/usr', '/usr/local']) {
        const found = fromPrefix(prefix, libDir, `system (${libDir})`);
        if (found) return found;
      }
    }
  }
  return null;
}

/** The C++ ABI flag libtorch was built with, from its CMake config when we have one. */
function abiFlag(found) {
  if (found.cxx11Abi !== undefined) return found.cxx11Abi ? 1 : 0;
  const candidates = [
    join(found.prefix, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'),
    join(found.libDir, 'cmake', 'Torch', 'TorchConfig.cmake'),
  ];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const m = readFileSync(file, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=(\d)/);
    if (m) return Number(m[1]);
  }
  return 1;
}

export function findLibtorch() {
  const found = fromEnv() ?? fromPython() ?? fromSystem();
  if (!found) return null;
  const libs = readdirSync(found.libDir);
  found.cuda = libs.some((f) => /^libtorch_cuda(\.|_)/.test(f));
  found.libraries = ['torch', 'torch_cpu', 'c10'];
  if (found.cuda) found.libraries.push('torch_cuda', 'c10_cuda');
  found.cxx11Abi = abiFlag(found) === 1;
  const versionFile = join(found.prefix, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h');
  const m = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').match(/TORCH_VERSION\s*\\?\s*"([^"]+)"/) : null;
  found.version = m ? m[1] : 'unknown';
  return found;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const what = process.argv[2] ?? 'json';
  const found = findLibtorch();
  if (!found) {
    if (what === 'json') {
      console.log('null');
      process.exit(0);
    }
    console.error(
      'libtorch not found: set LIBTORCH, install PyTorch, or run: apt-get install libtorch-dev libopenblas0-openmp',
    );
    process.exit(1);
  }
  const out = {
    json: () => JSON.stringify(found, null, 2),
    include_dirs: () => found.includeDirs.join(' '),
    lib_dir: () => found.libDir,
    cflags: () => `-D_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi ? 1 : 0}`,
    ldflags: () =>
      [
        `-L${found.libDir}`,
        `-Wl,-rpath,${found.libDir}`,
        '-Wl,--no-as-needed',
        ...found.libraries.map((l) => `-l${l}`),
        '-Wl,--as-needed',
      ].join(' '),
    defines: () => (found.cuda ? 'DIAS_WITH_CUDA=1' : 'DIAS_WITH_CUDA=0'),
  }[what];
  if (!out) {
    console.error(`unknown field ${what}`);
    process.exit(2);
  }
  console.log(out());
}
