// The annotator's scribble layer: one byte per pixel in the DIAS scribble encoding (1 vessel, 0 background,
// 255 unlabelled), round brush stamps along the pointer path, and undo/redo by stroke. A stroke keeps only the
// pixels it changed (index, before, after), so a long history on a 1024x1024 frame stays small.

export const VESSEL = 1;
export const BACKGROUND = 0;
export const UNLABELLED = 255;

interface Stroke {
  index: Int32Array;
  before: Uint8Array;
  after: Uint8Array;
}

const HISTORY_LIMIT = 200;

export class ScribbleLayer {
  readonly data: Uint8Array;
  private undoStack: Stroke[] = [];
  private redoStack: Stroke[] = [];
  private open: Map<number, number> | null = null;
  private last: [number, number] | null = null;
  /** Changes since the last save (or load). */
  dirty = false;

  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    this.data = data ? data.slice() : new Uint8Array(width * height).fill(UNLABELLED);
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Counts of vessel and background pixels (what a save would hand the trainer). */
  counts(): { vessel: number; background: number } {
    let vessel = 0;
    let background = 0;
    for (const v of this.data) {
      if (v === VESSEL) vessel++;
      else if (v === BACKGROUND) background++;
    }
    return { vessel, background };
  }

  begin(x: number, y: number, value: number, diameter: number): void {
    this.open = new Map();
    this.last = [x, y];
    this.stamp(x, y, value, diameter);
  }

  /** Continues the open stroke to (x, y), stamping every half radius so fast moves leave no gaps. */
  extend(x: number, y: number, value: number, diameter: number): void {
    if (!this.open || !this.last) return;
    const [x0, y0] = this.last;
    const step = Math.max(0.5, diameter / 4);
    const n = Math.max(1, Math.ceil(Math.hypot(x - x0, y - y0) / step));
    for (let i = 1; i <= n; i++) this.stamp(x0 + ((x - x0) * i) / n, y0 + ((y - y0) * i) / n, value, diameter);
    this.last = [x, y];
  }

  /** Closes the open stroke; returns whether it changed anything. */
  end(): boolean {
    const open = this.open;
    this.open = null;
    this.last = null;
    if (!open || open.size === 0) return false;
    const index = Int32Array.from(open.keys());
    const before = Uint8Array.from(open.values());
    const after = new Uint8Array(index.length);
    for (let i = 0; i < index.length; i++) after[i] = this.data[index[i]];
    this.push({ index, before, after });
    return true;
  }

  /** Sets every pixel to unlabelled, as one undoable step. */
  clear(): boolean {
    const changed: number[] = [];
    for (let i = 0; i < this.data.length; i++) if (this.data[i] !== UNLABELLED) changed.push(i);
    if (changed.length === 0) return false;
    const index = Int32Array.from(changed);
    const before = new Uint8Array(index.length);
    for (let i = 0; i < index.length; i++) {
      before[i] = this.data[index[i]];
      this.data[index[i]] = UNLABELLED;
    }
    this.push({ index, before, after: new Uint8Array(index.length).fill(UNLABELLED) });
    return true;
  }

  undo(): boolean {
    const s = this.undoStack.pop();
    if (!s) return false;
    for (let i = 0; i < s.index.length; i++) this.data[s.index[i]] = s.before[i];
    this.redoStack.push(s);
    this.dirty = true;
    return true;
  }

  redo(): boolean {
    const s = this.redoStack.pop();
    if (!s) return false;
    for (let i = 0; i < s.index.length; i++) this.data[s.index[i]] = s.after[i];
    this.undoStack.push(s);
    this.dirty = true;
    return true;
  }

  private push(s: Stroke): void {
    this.undoStack.push(s);
    if (this.undoStack.length > HISTORY_LIMIT) this.undoStack.shift();
    this.redoStack = [];
    this.dirty = true;
  }

  /** A filled disc of the given diameter centred on (cx, cy) in image pixel coordinates (pixel centres at +0.5). */
  private stamp(cx: number, cy: number, value: number, diameter: number): void {
    const open = this.open!;
    const r = diameter / 2;
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    const r2 = Math.max(r * r, 0.5);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        if (dx * dx + dy * dy > r2) continue;
        const i = y * this.width + x;
        if (this.data[i] === value) continue;
        if (!open.has(i)) open.set(i, this.data[i]);
        this.data[i] = value;
      }
    }
  }
}
