// A progress bar on stderr for long work, with a rate and an ETA. Quiet when disabled (--no-progress) or when
// stderr is not a terminal, so logs stay clean; `log()` prints a line without breaking the bar.

export interface ProgressOptions {
  /** false for --no-progress. */
  enabled?: boolean;
  /** What is being counted, e.g. 'steps', 'sequences'. */
  unit?: string;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressBar {
  private done = 0;
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly live: boolean;
  private status = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.live = (options.enabled ?? true) && Boolean(process.stderr.isTTY);
    this.unit = options.unit ?? 'it';
  }
  private readonly unit: string;

  /** Advances by n and sets an optional status text (e.g. 'loss 0.231'). */
  tick(n = 1, status?: string): void {
    this.done += n;
    if (status !== undefined) this.status = status;
    const now = performance.now();
    if (this.live && (now - this.lastDraw > 100 || this.done >= this.total)) {
      this.lastDraw = now;
      this.draw();
    }
  }

  private draw(): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const rate = this.done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${this.unit} ` +
      `${rate >= 1 ? rate.toFixed(1) : (1 / Math.max(rate, 1e-9)).toFixed(1) + 's/'}${rate >= 1 ? '/s' : this.unit} ETA ${formatSeconds(eta)}${this.status ? ` | ${this.status}` : ''}`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 160) - 1)}`);
  }

  /** Prints a line above the bar. */
  log(message: string): void {
    if (this.live) process.stderr.write('\r\x1b[2K');
    console.error(message);
    if (this.live) this.draw();
  }

  /** Ends the bar (leaves the last state on its own line). */
  finish(): void {
    if (this.live) {
      this.draw();
      process.stderr.write('\n');
    }
  }
}
