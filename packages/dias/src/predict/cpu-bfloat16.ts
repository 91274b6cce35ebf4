// Whether this CPU computes bfloat16 natively (no official source: the DIAS code runs float32 only). libtorch's
// CPU autocast to bfloat16 pays only where oneDNN has bfloat16 instructions (AVX512-BF16 or AMX); elsewhere it
// emulates them, and an 800x800x8 FR-UNet pass took 9-11x its float32 time on an AMD EPYC without AVX-512
// (README, click-to-overlay). Linux only (/proc/cpuinfo); elsewhere the answer is "unknown".
import { readFileSync } from 'node:fs';

export type NativeBfloat16 = 'yes' | 'no' | 'unknown';

export function cpuBfloat16Support(cpuinfo?: string): NativeBfloat16 {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return 'unknown';
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(text);
  if (!flags) return 'unknown';
  const set = new Set(flags[1].trim().split(/\s+/));
  return set.has('avx512_bf16') || set.has('amx_bf16') ? 'yes' : 'no';
}

/** The warning to print when bfloat16 is asked for on a CPU that would emulate it, else null. */
export function bfloat16Warning(device: string, cpuinfo?: string): string | null {
  if (device !== 'cpu' || cpuBfloat16Support(cpuinfo) !== 'no') return null;
  return 'this CPU has no bfloat16 instructions (AVX512-BF16 or AMX): --bf16 is emulated and several times slower than float32 here';
}
