// The dataset `dias serve` shows: a DIAS-layout folder, a folder of other sequences (DICOM XA files, .npy stacks,
// TIFFs, frame folders: one sequence per file or subfolder), or a single sequence file. It names the sequences,
// reads them through the project's readers (data/readers/dias-layout.ts, data/readers/read-sequence.ts) and writes the annotator's
// scribbles. In MONAI Label's terms this is the datastore (monailabel/interfaces/datastore.py): a list of images
// with their labels; unlike it, nothing is copied or indexed in a database: the folder is the truth and is listed
// again on every request, so files added by `dias synth` or a text editor appear at once.
//
// Every path read or written is checked after symlinks are followed (safe-paths.ts): a link that leads out of the
// dataset is refused as `../` is.
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '@dias-ts/torch';
import {
  ANNOTATOR_SCRIBBLE_DIR,
  openDiasDataset,
  isDiasRoot,
  loadDiasSequence,
  type DiasDataset,
  type DiasSplit,
  type SequenceRef,
} from '../data/readers/dias-layout.js';
import { FRAME_LIST } from '../data/readers/frame-folder.js';
import { findFrameTimesSidecar } from '../data/readers/frame-times.js';
import { detectFormat, readSequence, subtractChecked } from '../data/readers/read-sequence.js';
import { fileHasDicmMarker } from '../data/readers/dicom.js';
import { scribbleFromGray } from '../data/readers/masks.js';
import { decodeScribblePng } from '../data/readers/scribble-png.js';
import { compareNatural } from '../data/readers/natural-order.js';
import type { DsaSequence } from '../data/sequence.js';
import { encodeGrayPng, readGrayPng } from '../image/png.js';
import { HttpError, realInside, segmentProblem } from './safe-paths.js';

export type DatastoreLayout = 'dias' | 'folder' | 'file';

type SequenceSize = Pick<SequenceEntry, 'frames' | 'width' | 'height' | 'bitDepth' | 'label'>;

/** What the datastore lists for one sequence (GET /api/datastore). */
export interface SequenceEntry {
  id: string;
  split: DiasSplit | null;
  frames: number;
  width: number;
  height: number;
  bitDepth: 8 | 16 | null;
  label: boolean;
  /** The annotator set has this sequence. */
  scribble: boolean;
  scribbleSets: string[];
  canScribble: boolean;
}

/** One sequence's files: the DIAS reference, or the file/folder another reader opens. */
interface Located {
  id: string;
  split: DiasSplit | null;
  ref?: SequenceRef;
  path: string;
}

/** A name in a 'folder' dataset that is not served as a sequence, and why (GET /api/datastore). */
export interface SkippedEntry {
  name: string;
  reason: string;
}

/** What a saved scribble reports (PUT /api/sequences/:id/scribble). */
export interface SavedScribble {
  id: string;
  /** Relative to the dataset root. */
  path: string;
  previous: string | null;
  counts: { vessel: number; background: number; unlabelled: number };
}

/** Extensions of files that hold a whole sequence in a 'folder' layout (DICOM without extension is sniffed). */
const SEQUENCE_FILE = /\.(npy|dcm|dicom|ima|tif|tiff|png)$/i;
const HISTORY_DIR = '.history';
/** How many loaded sequences stay in memory by default (a 1024 x 1024 x 30 cine is 120 MB as float32). */
const CACHE_SIZE = 3;

export class Datastore {
  readonly root: string;
  readonly realRoot: string;
  readonly layout: DatastoreLayout;
  /** Loaded sequences by id, each with the signature (path, mtime, size of every file) it was read at. */
  private readonly cache = new Map<string, { signature: string; seq: DsaSequence }>();
  /** The size of every sequence read so far, with the signature it was read at: listing a folder of large cines
   * again reads none of them unless one changed (the cache above keeps only a few whole sequences). */
  private readonly sizes = new Map<string, { signature: string; size: SequenceSize }>();
  /** The last mask-subtracted sequence (the page asks for its frames one by one). */
  private subtractedCache: { key: string; source: DsaSequence; seq: DsaSequence } | null = null;

  private constructor(
    root: string,
    layout: DatastoreLayout,
    private readonly cacheSize: number,
  ) {
    this.root = root;
    this.realRoot = realpathSync(root);
    this.layout = layout;
  }

  /**
   * Opens --data: throws a plain Error naming the path when it is missing. `cacheSize` loaded sequences stay in
   * memory (the inference worker keeps one: it reads each sequence once per request).
   */
  static open(path: string, cacheSize = CACHE_SIZE): Datastore {
    const root = resolve(path);
    if (!existsSync(root)) throw new Error(`${path}: no such file or folder`);
    if (!statSync(root).isDirectory()) return new Datastore(root, 'file', cacheSize);
    return new Datastore(root, isDiasRoot(root) ? 'dias' : 'folder', cacheSize);
  }

  get name(): string {
    return basename(this.root);
  }

  /** The folder scribbles are written to (DIAS: training/scribbles_annotator). */
  get annotatorDir(): string {
    if (this.layout === 'dias') return join(this.dias().root, this.trainingDirName(), ANNOTATOR_SCRIBBLE_DIR);
    return join(this.layout === 'file' ? dirname(this.root) : this.root, ANNOTATOR_SCRIBBLE_DIR);
  }

  /** The DIAS listing as it is now (names only; cheap). */
  dias(): DiasDataset {
    return openDiasDataset(this.root);
  }

  /** The training folder's own spelling (training/ or train/), for writing scribbles beside the readers' choice. */
  private trainingDirName(): string {
    const names = readdirSync(this.root).filter((n) => ['training', 'train'].includes(n.toLowerCase()));
    return names[0] ?? 'training';
  }

  /** Every sequence, in the readers' order (DIAS: by split then id; folders: natural name order). */
  private locateAll(): Located[] {
    if (this.layout === 'file') return [{ id: basename(this.root), split: null, path: this.root }];
    if (this.layout === 'dias') {
      const ds = this.dias();
      return (['training', 'validation', 'test', 'unlabelled'] as const).flatMap((s) =>
        ds.splits[s].map((ref) => ({ id: String(ref.id), split: s, ref, path: ref.frames[0]?.path ?? '' })),
      );
    }
    return this.listFolder().located;
  }

  /**
   * A 'folder' dataset's sequences (every sequence file and every subfolder, by its full name: `tiny.npy` and
   * `tiny/` are two sequences) and the names left out, each with the reason.
   */
  listFolder(): { located: Located[]; skipped: SkippedEntry[] } {
    const located: Located[] = [];
    const skipped: SkippedEntry[] = [];
    if (this.layout !== 'folder') return { located, skipped };
    for (const name of readdirSync(this.root).sort(compareNatural)) {
      if (name === ANNOTATOR_SCRIBBLE_DIR) continue; // what this server writes, not a sequence
      const problem = segmentProblem(name);
      if (problem) {
        skipped.push({ name, reason: problem });
        continue;
      }
      const path = join(this.root, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) skipped.push({ name, reason: 'a symbolic link to nothing' });
      else if (st.isDirectory() || SEQUENCE_FILE.test(name) || (st.isFile() && !name.includes('.') && hasDicm(path)))
        located.push({ id: name, split: null, path });
      else
        skipped.push({
          name,
          reason: st.isFile()
            ? 'not a sequence file (.npy, .dcm, .dicom, .ima, .tif, .tiff, .png, or DICOM without an extension)'
            : 'neither a file nor a folder',
        });
    }
    return { located, skipped };
  }

  /** How many sequences there are (names only). */
  count(): number {
    return this.locateAll().length;
  }

  /** The sequence `id` (DIAS: 12 or s12; others: the file name); 400 for a name that is not plain, 404 if unknown. */
  private locate(rawId: string): Located {
    const problem = this.layout === 'dias' ? undefined : segmentProblem(rawId);
    if (problem) throw new HttpError(400, `sequence '${rawId.slice(0, 80)}': ${problem}`);
    const id = this.layout === 'dias' ? diasId(rawId) : rawId;
    const found = this.locateAll().find((s) => s.id === id);
    if (!found) throw new HttpError(404, `sequence '${rawId.slice(0, 80)}': not in ${this.name}`);
    return found;
  }

  /** Whether PUT scribble is accepted: the loaders attach scribble sets to training sequences only. */
  private canScribble(s: Located): boolean {
    return this.layout !== 'dias' || s.split === 'training';
  }

  /** The annotator's scribble file for a sequence (it may not exist yet): label_s{n}.png, or the full name +
   * .png (tiny.npy.png, tiny.png for the folder tiny/), one file per sequence. */
  private annotatorFile(s: Located): string {
    return join(this.annotatorDir, this.layout === 'dias' ? `label_s${s.id}.png` : `${s.id}.png`);
  }

  /**
   * Every file a reader may open for `s`, each checked to stay inside the dataset after symlinks (403 otherwise):
   * a DIAS sequence's frames, label and scribbles; a file; everything under a folder (frame folders, DICOM series)
   * and what its frames.txt lists. Returns the files' signature (path, mtime, size), what the cache is keyed by.
   */
  private checkedFiles(s: Located): string {
    const files = s.ref
      ? [...s.ref.frames.map((f) => f.path), ...(s.ref.label ? [s.ref.label] : []), ...Object.values(s.ref.scribbles)]
      : filesUnder(s.path);
    const parts: string[] = [];
    for (const f of files) {
      const real = realInside(this.realRoot, f, `${relative(this.root, f) || basename(f)} of sequence ${s.id}`);
      const st = statSync(real);
      parts.push(`${f}\u0000${st.mtimeMs}\u0000${st.size}`);
    }
    return parts.join('\n');
  }

  /** The sequence's frames at their stored count, with its label (no scribble: those are read on their own). */
  async load(rawId: string): Promise<DsaSequence> {
    const s = this.locate(rawId);
    // Checked on every request: a file replaced or added on disk since the last read is read again.
    const signature = this.checkedFiles(s);
    const hit = this.cache.get(s.id);
    this.cache.delete(s.id);
    if (hit?.signature === signature) {
      this.cache.set(s.id, hit);
      return hit.seq;
    }
    let seq: DsaSequence;
    try {
      seq = s.ref ? loadDiasSequence(s.ref, { frames: 'native', scribble: false }) : await readSequence(s.path);
    } catch (e) {
      throw new HttpError(422, (e as Error).message);
    }
    this.cache.set(s.id, { signature, seq });
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    const bitDepth = seq.meta.bitDepth === 8 ? 8 : seq.meta.bitDepth === 16 ? 16 : null;
    const size: SequenceSize = { frames: seq.T, width: seq.W, height: seq.H, bitDepth, label: Boolean(seq.label) };
    this.sizes.set(s.id, { signature, size });
    return seq;
  }

  /**
   * An unsubtracted cine made DSA by log-domain mask subtraction (data/pipeline/mask-subtraction.ts), with mask frame `mask`
   * or the automatic choice; refused (400) where the source says it is DSA already, by the readers' own rule.
   */
  async subtracted(rawId: string, mask: 'auto' | number): Promise<DsaSequence> {
    const s = this.locate(rawId);
    const source = await this.load(s.id);
    const key = `${s.id}|${mask}`;
    if (this.subtractedCache?.key === key && this.subtractedCache.source === source) return this.subtractedCache.seq;
    let seq: DsaSequence;
    try {
      seq = subtractChecked(source, s.ref ? 'dias' : detectFormat(s.path), mask);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    this.subtractedCache = { key, source, seq };
    return seq;
  }

  /** The datastore entry of one sequence; the size is read from the first frame's PNG header when it can be. */
  async entry(rawId: string): Promise<SequenceEntry> {
    return this.describe(this.locate(rawId));
  }

  async entries(): Promise<SequenceEntry[]> {
    const out: SequenceEntry[] = [];
    for (const s of this.locateAll()) {
      try {
        out.push(await this.describe(s));
      } catch {
        // A sequence that cannot be read is still listed, with zero size: its own requests say what is wrong.
        out.push({ ...this.flags(s), frames: 0, width: 0, height: 0, bitDepth: null, label: Boolean(s.ref?.label) });
      }
    }
    return out;
  }

  private flags(s: Located): Pick<SequenceEntry, 'id' | 'split' | 'scribble' | 'scribbleSets' | 'canScribble'> {
    const sets = s.ref
      ? Object.keys(s.ref.scribbles).sort(compareNatural)
      : existsSync(this.annotatorFile(s))
        ? [ANNOTATOR_SCRIBBLE_DIR]
        : [];
    return {
      id: s.id,
      split: s.split,
      scribble: sets.includes(ANNOTATOR_SCRIBBLE_DIR),
      scribbleSets: sets,
      canScribble: this.canScribble(s),
    };
  }

  private async describe(s: Located): Promise<SequenceEntry> {
    const header = s.ref ? diasSize(s.ref, this.realRoot) : undefined;
    if (header) return { ...this.flags(s), ...header, label: Boolean(s.ref?.label) };
    const known = this.sizes.get(s.id);
    if (known && known.signature === this.checkedFiles(s)) return { ...this.flags(s), ...known.size };
    await this.load(s.id);
    return { ...this.flags(s), ...this.sizes.get(s.id)!.size };
  }

  /** The scribble of a sequence (0/1/255) and the set it came from: `set`, else the annotator's, else the first. */
  scribble(rawId: string, set?: string): { data: Uint8Array; width: number; height: number; set: string } {
    const s = this.locate(rawId);
    let path: string | undefined;
    let name: string | undefined;
    if (s.ref) {
      const sets = Object.keys(s.ref.scribbles).sort(compareNatural);
      name = set ?? (sets.includes(ANNOTATOR_SCRIBBLE_DIR) ? ANNOTATOR_SCRIBBLE_DIR : sets[0]);
      path = name === undefined ? undefined : s.ref.scribbles[name];
    } else if (set === undefined || set === ANNOTATOR_SCRIBBLE_DIR) {
      name = ANNOTATOR_SCRIBBLE_DIR;
      path = existsSync(this.annotatorFile(s)) ? this.annotatorFile(s) : undefined;
    }
    if (!path || !name)
      throw new HttpError(
        404,
        `sequence ${s.id}: no scribble${set !== undefined ? ` in set '${set.slice(0, 80)}'` : ''}`,
      );
    realInside(this.realRoot, path, `the scribble of sequence ${s.id}`);
    const image = readGrayPng(path);
    return { data: scribbleFromGray(image, path), width: image.width, height: image.height, set: name };
  }

  /**
   * Saves a scribble PNG (checked by decodeScribblePng against the sequence's size) as the annotator's, in the
   * DIAS encoding, atomically; the version it replaces is kept under .history/ (invisible to the readers, which
   * skip dot names). Nothing is written when any check fails.
   */
  async saveScribble(rawId: string, png: Uint8Array): Promise<SavedScribble> {
    const s = this.locate(rawId);
    if (!this.canScribble(s)) {
      throw new HttpError(
        403,
        `sequence ${s.id} is in ${s.split}/; scribbles go with training sequences (the loaders read scribble sets under training/ only)`,
      );
    }
    const seq = await this.load(s.id);
    let data: Uint8Array;
    try {
      data = decodeScribblePng(png, seq.W, seq.H);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    const target = this.annotatorFile(s);
    const dir = dirname(target);
    // The folder (and a file already there) must not lead out of the dataset through a symlink.
    if (existsSync(dir)) realInside(this.realRoot, dir, relative(this.root, dir));
    else realInside(this.realRoot, dirname(dir), relative(this.root, dirname(dir)) || '.');
    if (existsSync(target) && lstatSync(target).isSymbolicLink())
      throw new HttpError(403, `${relative(this.root, target)}: a symbolic link; not overwritten`);
    plainFolder(dir, this.root);
    let previous: string | null = null;
    if (existsSync(target)) {
      const history = join(dir, HISTORY_DIR);
      plainFolder(history, this.root);
      previous = keepPrevious(target, history);
    }
    writeFileAtomic(target, encodeGrayPng(seq.W, seq.H, data));
    const counts = { vessel: 0, background: 0, unlabelled: 0 };
    for (const v of data) {
      if (v === 1) counts.vessel++;
      else if (v === 0) counts.background++;
      else counts.unlabelled++;
    }
    return { id: s.id, path: relative(this.root, target), previous: previous && relative(this.root, previous), counts };
  }
}

function hasDicm(path: string): boolean {
  try {
    return fileHasDicmMarker(path);
  } catch {
    return false; // unreadable: not listed as DICOM
  }
}

/** The files a sequence path reads: a file and its frame-time sidecar, or everything under a folder plus what its
 * frames.txt lists that exists. */
function filesUnder(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    // An .npy stack's frame-time sidecar (X.frame_times.json beside X.npy) is read with it.
    let sidecar: string | undefined;
    try {
      if (/\.npy$/i.test(path)) sidecar = findFrameTimesSidecar(dirname(path), basename(path).replace(/\.npy$/i, ''));
    } catch {
      // Two sidecars: the reader itself refuses the stack (422) with that message.
    }
    return sidecar ? [path, sidecar] : [path];
  }
  const files: string[] = [];
  for (const rel of readdirSync(path, { recursive: true, encoding: 'utf8' })) {
    const p = join(path, rel);
    files.push(p); // folders too: a linked folder that leads out is refused like a linked file
  }
  const list = join(path, FRAME_LIST);
  if (existsSync(list)) {
    for (const line of readFileSync(list, 'utf8').split(/\r?\n/)) {
      const name = line.trim();
      if (!name || name.startsWith('#')) continue;
      const listed = resolve(path, name);
      if (existsSync(listed)) files.push(listed);
    }
  }
  return files;
}

/**
 * Makes `dir` a real folder inside the dataset: refused (409, with what to do) when a file, a link or a broken link
 * is in its place, so a save never writes through a link or fails with a raw EEXIST.
 */
function plainFolder(dir: string, root: string): void {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  if (st.isDirectory()) return;
  const what = st.isSymbolicLink() ? 'a symbolic link' : 'a file';
  throw new HttpError(
    409,
    `${relative(root, dir)} is ${what}, not a folder; move it away so that scribbles can be saved there`,
  );
}

/**
 * Copies the scribble about to be replaced into history/ under a name no other save uses: the time to the
 * millisecond, then -1, -2, ... when two saves share it (the copy refuses to overwrite, so neither is lost).
 */
function keepPrevious(target: string, history: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '');
  const stem = basename(target).replace(/\.png$/i, '');
  for (let n = 0; ; n++) {
    const previous = join(history, `${stem}.${stamp}${n ? `-${n}` : ''}.png`);
    try {
      copyFileSync(target, previous, constants.COPYFILE_EXCL);
      return previous;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** A DIAS sequence id: 12 or s12. */
function diasId(raw: string): string {
  const m = /^s?(\d{1,9})$/i.exec(raw);
  if (!m) throw new HttpError(400, `sequence '${raw.slice(0, 80)}': a DIAS sequence is a number (12 or s12)`);
  return String(Number(m[1]));
}

/** Frames, size and bit depth of a DIAS sequence from its first frame's PNG header (IHDR), without decoding. */
function diasSize(
  ref: SequenceRef,
  realRoot: string,
): Pick<SequenceEntry, 'frames' | 'width' | 'height' | 'bitDepth'> | undefined {
  const first = ref.frames[0]?.path;
  if (!first) return undefined;
  realInside(realRoot, first, `a frame of sequence ${ref.id}`);
  // Only the signature and IHDR are read: listing a dataset of large frames must not read them whole.
  const head = Buffer.alloc(26);
  const fd = openSync(first, 'r');
  try {
    readSync(fd, head, 0, 26, 0);
  } finally {
    closeSync(fd);
  }
  if (head.length < 26 || head.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const bits = head[24];
  return {
    frames: ref.frames.length,
    width: head.readUInt32BE(16),
    height: head.readUInt32BE(20),
    bitDepth: bits === 16 ? 16 : 8,
  };
}
