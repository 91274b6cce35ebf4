// The PyTorch side of `dias bench segment`: benchmarks/pytorch/bench_segment.py --serve, the official model code
// (lseventeen/DIAS, models/) run by Debian's python3-torch, kept up as one child process that answers a JSON line
// per request. No official counterpart: the official repository has no benchmark.
//
// Why one process and not one per round: Node starts a child by forking itself, and after a fork every page of
// the parent is copy-on-write, so our next forward pass took a fault on every page of its working set (measured on
// 800x800: 250-290 thousand minor faults and 3-8x the time of a round that no spawn preceded). Started once, before
// our side has grown its heap, the child costs our rounds nothing. It runs with glibc tuned as the addon tunes it
// (packages/torch/native/handle.cc), so that both sides keep freed memory for reuse alike.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export interface PytorchSide {
  /** The Python interpreter (with torch), e.g. python3. */
  python: string;
  /** benchmarks/pytorch/bench_segment.py */
  script: string;
  /** A checkout of the official DIAS code (lseventeen/DIAS). */
  official: string;
}

/** Seconds of one click-to-overlay, as bench_segment.py reports them. */
export interface PytorchTimes {
  load: number;
  read: number;
  predict: number;
  write: number;
  total: number;
}

/**
 * glibc settings equal to the addon's allocator tuning: with glibc's defaults every large tensor is a fresh mmap
 * and PyTorch spends most of an 800x800 forward pass faulting pages in (measured 8-9 s instead of 1.35 s).
 */
export const PYTORCH_MALLOC_TUNING = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(1024 ** 3),
};

export class PytorchProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string | null) => void)[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(side: PytorchSide, weights: string, threads: number) {
    this.child = spawn(
      side.python,
      [side.script, '--serve', '--official', side.official, '--weights', weights, '--threads', String(threads)],
      { env: { ...process.env, ...PYTORCH_MALLOC_TUNING }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-4000)));
    const ended = (why: string) => {
      this.exited ??= why;
      for (const p of this.pending.splice(0)) p(null);
    };
    this.child.on('error', (e) => ended(e.message));
    this.child.on('exit', (code, signal) => ended(`exit ${code ?? signal}`));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
  }

  /** One round of the PyTorch side (load, read, predict, write); rejects with the script's error when it fails. */
  async once(input: string, outDir: string): Promise<PytorchTimes> {
    if (this.exited) throw this.failure();
    const line = await new Promise<string | null>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(`${JSON.stringify({ input, out: outDir })}\n`);
    });
    if (line === null) throw this.failure();
    try {
      return (JSON.parse(line) as { seconds: PytorchTimes }).seconds;
    } catch {
      throw new Error(`bench_segment.py answered what is not its JSON: ${line.slice(0, 200)}`);
    }
  }

  private failure(): Error {
    return new Error(`bench_segment.py failed (${this.exited ?? 'no answer'}): ${this.stderr.trim().slice(-800)}`);
  }

  /** Closes its stdin (the script's loop ends) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await done;
    this.lines.close();
  }
}
