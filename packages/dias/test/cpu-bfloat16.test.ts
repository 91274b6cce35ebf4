// The --bf16 warning: bfloat16 on a CPU without native instructions is emulated (README: 9-11x slower here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16Warning, cpuBfloat16Support } from '../src/predict/cpu-bfloat16.js';

const cpu = (flags: string) =>
  `processor\t: 0\nmodel name\t: test\nflags\t\t: ${flags}\n\nprocessor\t: 1\nflags\t\t: ${flags}\n`;

test('native bfloat16 is read from the CPU flags: AVX512-BF16 or AMX, not AVX-512 alone', () => {
  assert.equal(cpuBfloat16Support(cpu('fpu sse2 avx2 avx512f avx512_bf16')), 'yes');
  assert.equal(cpuBfloat16Support(cpu('fpu sse2 avx2 amx_bf16 amx_tile')), 'yes');
  assert.equal(cpuBfloat16Support(cpu('fpu sse2 avx2 avx512f avx512bw')), 'no');
  assert.equal(cpuBfloat16Support('no flags line here'), 'unknown');
});

test('the warning is given for the CPU only, and only when bfloat16 would be emulated', () => {
  assert.match(bfloat16Warning('cpu', cpu('avx2')) ?? '', /no bfloat16 instructions/);
  assert.equal(bfloat16Warning('cpu', cpu('avx2 avx512_bf16')), null);
  assert.equal(bfloat16Warning('cuda', cpu('avx2')), null);
  assert.equal(bfloat16Warning('cpu', 'nothing'), null);
});
