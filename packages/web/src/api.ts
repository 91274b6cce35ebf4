// The page's client for the `dias serve` JSON API (docs/server-api.md): typed fetches, the image URLs, and the
// Server-Sent Events stream of a background job (segmentation or training).
import { decodeGray, encodeGrayPng, type GrayImage } from './png.js';

export interface SequenceEntry {
  id: string;
  split: string | null;
  frames: number;
  width: number;
  height: number;
  label: boolean;
  /** Whether the annotator scribble set has this sequence. */
  scribble: boolean;
  /** Whether a PUT of a scribble is accepted (DIAS: training sequences only). */
  canScribble: boolean;
  /** Names of the runs with a stored prediction for this sequence. */
  predictions: string[];
}

export interface RunEntry {
  name: string;
  model?: string;
  recipe?: string;
  /** 'av': trained on the artery/vein labels, its predictions come with a class map (urls.classes). */
  labels?: 'artery' | 'av';
  epochs?: number;
  finished?: boolean;
  /** Mean metrics per tested split (`dias test`), or null. */
  metrics?: Record<string, Record<string, number | null>> | null;
  /** The shipped default model (run ':default'): not a run folder, so nothing to fine-tune from. */
  builtin?: boolean;
  /** What the run chooser shows instead of the name. */
  title?: string;
  note?: string;
}

export interface RecipeEntry {
  name: string;
  summary?: string;
  targets?: 'label' | 'scribble';
}

export interface ServerInfo {
  version: string;
  dataset: { path: string; name: string; layout: string; sequences: number; canTrain: boolean; annotatorSet: string };
  /** The run folders, newest first, then the default model when the server has one (see api.info). */
  runs: RunEntry[];
  recipes: RecipeEntry[];
  /** The training job of the server, running or last ended (a job object), or null. */
  train: { id: string; run?: string; state?: string } | null;
}

/** GET /api/sequences/:id/metrics: the run's prediction against the label (null where undefined). */
export interface SequenceMetrics {
  id: string;
  run: string;
  threshold: number;
  metrics: Record<string, number | null>;
}

/** Stored pixel values: 8-bit, or 16-bit where the source is wider (value = offset + scale x stored). */
export type Pixels = Uint8Array | Uint16Array;

/** A frame as the server stores it (`?format=raw`), for exact windowing of 16-bit sources. */
export interface RawFrame {
  width: number;
  height: number;
  bits: 8 | 16;
  data: Pixels;
  offset: number;
  scale: number;
  /** The whole sequence's value range (not stored units). */
  min: number;
  max: number;
}

/** GET /api/sequences/:id/perfusion: the map coloured (transparent where it has no value) and its scale. */
export interface PerfusionOverlay {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  range: [number, number];
  unit: string;
  title: string;
  /** Pixels with a value. */
  pixels: number;
}

/** One event of a job's stream: its kind and the server's fields (progress, loss, validation DSC, ...). */
export interface JobEvent {
  type: string;
  [field: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function check(r: Response): Promise<Response> {
  if (r.ok) return r;
  let message = `${r.status} ${r.statusText}`;
  try {
    const body = (await r.json()) as { error?: string; message?: string };
    message = body.error ?? body.message ?? message;
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(r.status, message);
}

async function getJson<T>(url: string): Promise<T> {
  return (await (await check(await fetch(url))).json()) as T;
}

/** Sent with every request that changes state: the server refuses those without it (docs/server-api.md, "Request
 * policy"), and no page on another site can add it without a CORS preflight the server never grants. */
const STATE_CHANGE = { 'X-Dias-Request': '1' };

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...STATE_CHANGE },
    body: JSON.stringify(body),
  });
  return (await (await check(r)).json()) as T;
}

let annotatorSet = 'scribbles_annotator';
/** The scribble set the page reads and edits (GET /api/info's dataset.annotatorSet). */
export function setAnnotatorSet(name: string): void {
  annotatorSet = name;
}

const seq = (id: string) => `/api/sequences/${encodeURIComponent(id)}`;

export const urls = {
  /** subtract: '' as stored, 'auto' or a mask frame index (an unsubtracted cine made DSA by the server). */
  frame: (id: string, k: number, subtract = '') =>
    `${seq(id)}/frames/${k}?format=raw${subtract ? `&subtract=${encodeURIComponent(subtract)}` : ''}`,
  label: (id: string) => `${seq(id)}/label`,
  /** The artery/vein label (0 background, 1 artery, 2 vein), where the dataset has one. */
  labelAv: (id: string) => `${seq(id)}/label-av`,
  /** A parametric map (arrival, ttp, peak, mtt): a transparent colour overlay, or its colour bar ('legend'). */
  perfusion: (id: string, map: string, format: 'png' | 'legend' = 'png') =>
    `${seq(id)}/perfusion?map=${encodeURIComponent(map)}&format=${format}`,
  /** The annotator's own set: other sets (simulated scribbles, say) are not the annotator's to edit. */
  scribble: (id: string) => `${seq(id)}/scribble?set=${encodeURIComponent(annotatorSet)}`,
  prediction: (id: string, run: string) => `${seq(id)}/prediction?run=${encodeURIComponent(run)}`,
  /** An artery/vein run's class map (0 background, 1 artery, 2 vein). */
  classes: (id: string, run: string) => `${seq(id)}/classes?run=${encodeURIComponent(run)}`,
  jobEvents: (job: string) => `/api/jobs/${encodeURIComponent(job)}/events`,
  jobCancel: (job: string) => `/api/jobs/${encodeURIComponent(job)}/cancel`,
};

export const api = {
  // The server lists the default model apart from the run folders; the page offers it last among them, so a trained
  // run stays the first choice and a server without runs segments with the default model at once.
  info: async () => {
    const info = await getJson<ServerInfo & { defaultModel?: RunEntry | null }>('/api/info');
    return { ...info, runs: [...info.runs, ...(info.defaultModel ? [info.defaultModel] : [])] } as ServerInfo;
  },
  datastore: () => getJson<{ sequences: SequenceEntry[] }>('/api/datastore').then((d) => d.sequences),
  next: () => getJson<{ id: string; run: string; entropy: number }>('/api/next'),
  /** Predicts the sequences still to annotate that have no stored map yet (null job: none missing). */
  predictForNext: () => postJson<{ job: string | null; sequences: string[] }>('/api/next/predict', {}),
  async metrics(id: string, run: string): Promise<SequenceMetrics | null> {
    const r = await fetch(`${seq(id)}/metrics?run=${encodeURIComponent(run)}`);
    return r.status === 404 ? null : ((await (await check(r)).json()) as SequenceMetrics);
  },

  /** A parametric map as an RGBA overlay with its colour range, unit and title (the server's headers). */
  async perfusion(id: string, map: string): Promise<PerfusionOverlay> {
    const r = await check(await fetch(urls.perfusion(id, map)));
    const bitmap = await createImageBitmap(await r.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const [lo, hi] = (r.headers.get('x-dias-range') ?? '0 1').split(' ').map(Number);
    return {
      width,
      height,
      rgba: ctx.getImageData(0, 0, width, height).data,
      range: [lo, hi],
      unit: r.headers.get('x-dias-unit') ?? '',
      title: r.headers.get('x-dias-title') ?? map,
      pixels: Number(r.headers.get('x-dias-pixels')),
    };
  },

  /** A grey image, or null when the server has none (404). */
  async gray(url: string): Promise<GrayImage | null> {
    const r = await fetch(url);
    if (r.status === 404) return null;
    return decodeGray(await (await check(r)).blob());
  },

  /** A frame's stored values (little-endian on the wire, as every browser's typed arrays are in practice). */
  async raw(url: string): Promise<RawFrame | null> {
    const r = await fetch(url);
    if (r.status === 404) return null;
    const bytes = await (await check(r)).arrayBuffer();
    const h = (name: string) => Number(r.headers.get(`x-dias-${name}`));
    const [width, height, bits] = [h('width'), h('height'), h('bits')];
    if (bits !== 8 && bits !== 16)
      throw new Error(`${url}: X-Dias-Bits is ${r.headers.get('x-dias-bits')}, not 8 or 16`);
    const data = bits === 16 ? new Uint16Array(bytes) : new Uint8Array(bytes);
    if (data.length !== width * height) throw new Error(`${url}: ${data.length} values for a ${width}x${height} frame`);
    return {
      width,
      height,
      bits,
      data,
      offset: h('offset') || 0,
      scale: h('scale') || 1,
      min: h('min'),
      max: h('max'),
    };
  },

  async saveScribble(id: string, image: GrayImage): Promise<void> {
    const body = await encodeGrayPng(image);
    await check(
      await fetch(`${seq(id)}/scribble`, {
        method: 'PUT',
        headers: { 'Content-Type': 'image/png', ...STATE_CHANGE },
        body,
      }),
    );
  },

  infer: (run: string, sequence: string, mode: 'fast' | 'full') =>
    postJson<{ job: string }>('/api/infer', { run, sequence, mode }),
  train: (options: Record<string, unknown>) => postJson<{ job: string; run: string }>('/api/train', options),
  cancel: async (job: string) => void (await postJson(urls.jobCancel(job), {})),
};

/** Follows a job's SSE stream (state, progress, epoch, log, then done / failed / cancelled) until its end; returns
 * the last event. Each event's type is its SSE event name. */
export function followJob(job: string, onEvent: (e: JobEvent) => void): Promise<JobEvent> {
  return new Promise((resolve) => {
    const source = new EventSource(urls.jobEvents(job));
    const finish = (e: JobEvent) => {
      source.close();
      resolve(e);
    };
    const handle = (type: string) => (m: MessageEvent<string>) => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(m.data) as Record<string, unknown>;
      } catch {
        data = { message: m.data };
      }
      const event: JobEvent = { ...data, type };
      onEvent(event);
      if (['done', 'failed', 'cancelled'].includes(type)) finish(event);
    };
    for (const type of ['state', 'progress', 'epoch', 'log', 'done', 'failed', 'cancelled'])
      source.addEventListener(type, handle(type) as EventListener);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) finish({ type: 'failed', error: 'the event stream closed' });
    };
  });
}

/** The sequence to annotate next: maps still missing are predicted first (a job, followed to its end), then the
 * server ranks the stored ones (GET /api/next only reads). */
export async function nextToAnnotate(): Promise<string> {
  const { job } = await api.predictForNext();
  if (job) {
    const end = await followJob(job, () => {});
    if (end.type !== 'done') throw new Error(typeof end.error === 'string' ? end.error : `prediction ${end.type}`);
  }
  return (await api.next()).id;
}
