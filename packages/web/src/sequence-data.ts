// What the viewer holds for the open sequence: its frames (loaded in parallel, current frame first), the MinIP
// and mean projections once every frame is in, the label, the scribbles and the runs' probability maps. A loader
// belongs to one sequence; the page drops it (and ignores its late answers) when another is opened.
import { api, urls, type Pixels, type RawFrame, type SequenceEntry } from './api.js';
import type { GrayImage } from './png.js';
import { ScribbleLayer } from './scribble.js';

export class SequenceData {
  readonly frames: (Pixels | undefined)[];
  loadedFrames = 0;
  /** How the frames are stored (bits, value = offset + scale x stored, the sequence's range); from the first. */
  encoding: Omit<RawFrame, 'data' | 'width' | 'height'> | null = null;
  minip: Pixels | null = null;
  mean: Pixels | null = null;
  label: Uint8Array | null = null;
  /** The artery/vein label (0 background, 1 artery, 2 vein), where the dataset has one. */
  labelAv: Uint8Array | null = null;
  /** Artery/vein runs' class maps (0 background, 1 artery, 2 vein) by run; null where a run has none. */
  readonly classMaps = new Map<string, Uint8Array | null>();
  scribble: ScribbleLayer;
  readonly predictions = new Map<string, Uint8Array | null>();
  closed = false;

  constructor(
    readonly entry: SequenceEntry,
    /** '' (frames as stored), 'auto' or a mask frame: the server's log-domain mask subtraction. */
    readonly subtract = '',
  ) {
    this.frames = new Array(entry.frames).fill(undefined);
    this.scribble = new ScribbleLayer(entry.width, entry.height);
  }

  get width(): number {
    return this.entry.width;
  }
  get height(): number {
    return this.entry.height;
  }

  private checkSize(what: string, img: GrayImage): Uint8Array {
    if (img.width !== this.width || img.height !== this.height) {
      throw new Error(`${what} is ${img.width}x${img.height}, the frames are ${this.width}x${this.height}`);
    }
    return img.data;
  }

  /** Loads every frame, calling onFrame as each arrives; computes the projections at the end. */
  async loadFrames(first: number, onFrame: (k: number) => void): Promise<void> {
    const order = [...this.frames.keys()].sort((a, b) => (a === first ? -1 : b === first ? 1 : a - b));
    await Promise.all(
      order.map(async (k) => {
        const img = await api.raw(urls.frame(this.entry.id, k, this.subtract));
        if (this.closed || !img) return;
        if (img.width !== this.width || img.height !== this.height)
          throw new Error(`frame ${k} is ${img.width}x${img.height}, the sequence ${this.width}x${this.height}`);
        const { data, width: _w, height: _h, ...encoding } = img;
        if (this.encoding && this.encoding.bits !== encoding.bits)
          throw new Error(`frame ${k} is ${encoding.bits}-bit, frame 0 ${this.encoding.bits}-bit`);
        this.encoding ??= encoding;
        this.frames[k] = data;
        this.loadedFrames++;
        onFrame(k);
      }),
    );
    if (!this.closed) this.computeProjections();
  }

  private computeProjections(): void {
    const n = this.width * this.height;
    const wide = this.encoding?.bits === 16;
    const minip = wide ? new Uint16Array(n).fill(65535) : new Uint8Array(n).fill(255);
    const sum = new Float32Array(n);
    const frames = this.frames.filter((f): f is Pixels => f !== undefined);
    for (const f of frames) {
      for (let i = 0; i < n; i++) {
        if (f[i] < minip[i]) minip[i] = f[i];
        sum[i] += f[i];
      }
    }
    const mean = wide ? new Uint16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) mean[i] = Math.round(sum[i] / Math.max(1, frames.length));
    this.minip = minip;
    this.mean = mean;
  }

  async loadLabel(): Promise<void> {
    if (!this.entry.label) return;
    const img = await api.gray(urls.label(this.entry.id));
    if (img && !this.closed) this.label = this.checkSize('the label', img);
    const av = await api.gray(urls.labelAv(this.entry.id));
    if (av && !this.closed) this.labelAv = this.checkSize('the artery/vein label', av);
  }

  async loadScribble(): Promise<void> {
    const img = await api.gray(urls.scribble(this.entry.id));
    if (img && !this.closed)
      this.scribble = new ScribbleLayer(this.width, this.height, this.checkSize('the scribble', img));
  }

  /** The run's probability map (0..255), fetched once; null when the run has none for this sequence. */
  async prediction(run: string, reload = false): Promise<Uint8Array | null> {
    // A new prediction comes with a new class map (an artery/vein run): fetched again when next asked for.
    if (reload) this.classMaps.delete(run);
    if (!reload && this.predictions.has(run)) return this.predictions.get(run)!;
    const img = await api.gray(urls.prediction(this.entry.id, run));
    const data = img ? this.checkSize(`run ${run}'s prediction`, img) : null;
    if (!this.closed) this.predictions.set(run, data);
    return data;
  }

  /** An artery/vein run's class map, fetched once; null when it has none for this sequence. */
  async classes(run: string): Promise<Uint8Array | null> {
    if (this.classMaps.has(run)) return this.classMaps.get(run)!;
    const img = await api.gray(urls.classes(this.entry.id, run));
    const data = img ? this.checkSize(`run ${run}'s class map`, img) : null;
    if (!this.closed) this.classMaps.set(run, data);
    return data;
  }
}
