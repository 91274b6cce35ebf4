// `dias bench click` (issue 19): the viewer's click as the viewer makes it, through the server's HTTP API --
// POST /api/infer in fast mode, the job's event stream until `done`, then GET the probability map as PNG -- timed
// per click, with the inference worker's own seconds beside the wall time. No official source: the DIAS code has no
// server; bench/segment-bench.ts times the same segmentation without the server around it.
//
// The benchmark only speaks HTTP through `ClickClient`; the command builds the server and hands its in-process
// client in (benchmarks do not import the server: the layering in ../shared/ARCHITECTURE.md).
import { medianSeconds } from './medians.js';

export interface ClickReply {
  status: number;
  body: string;
}

/** An HTTP client of a running `dias serve` (e.g. Fastify's inject): method, URL, JSON body. */
export interface ClickClient {
  request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<ClickReply>;
}

/** One click's times in seconds: the request, the event stream until `done`, the PNG, and their sum. */
export interface ClickTimes {
  post: number;
  events: number;
  png: number;
  total: number;
  /** What the inference worker reported for the job itself (load if needed, read, predict, write). */
  worker: number;
}

export interface ClickTarget {
  /** The run to segment with (':default' for the shipped default model). */
  run: string;
  /** The sequence id in the server's dataset. */
  sequence: string;
}

function failed(what: string, reply: ClickReply): Error {
  return new Error(`${what}: HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
}

/** One click: POST /api/infer (fast), its events until done, then the prediction PNG. */
export async function clickOnce(client: ClickClient, target: ClickTarget): Promise<ClickTimes> {
  const t0 = performance.now();
  const posted = await client.request('POST', '/api/infer', {
    run: target.run,
    sequence: target.sequence,
    mode: 'fast',
  });
  if (posted.status !== 202) throw failed('POST /api/infer', posted);
  const { events } = JSON.parse(posted.body) as { events: string };
  const t1 = performance.now();
  const stream = await client.request('GET', events);
  if (stream.status !== 200 || !/^event: done$/m.test(stream.body)) throw failed(`GET ${events}`, stream);
  const t2 = performance.now();
  const url = `/api/sequences/${encodeURIComponent(target.sequence)}/prediction?run=${encodeURIComponent(target.run)}`;
  const png = await client.request('GET', url);
  if (png.status !== 200) throw failed(`GET ${url}`, png);
  const t3 = performance.now();
  // The done event's data is the job's result, with the worker's own seconds.
  const done = /^event: done\ndata: (.*)$/m.exec(stream.body);
  const worker = done ? Number((JSON.parse(done[1]) as { seconds?: number }).seconds) : NaN;
  const s = (ms: number) => +(ms / 1000).toFixed(3);
  return { post: s(t1 - t0), events: s(t2 - t1), png: s(t3 - t2), total: s(t3 - t0), worker };
}

export const medianClick = (clicks: readonly ClickTimes[]) =>
  medianSeconds(clicks, ['post', 'events', 'png', 'total', 'worker'] as const);

/** `clicks` clicks one after another on the same sequence (each segments it again). */
export async function benchClicks(
  client: ClickClient,
  target: ClickTarget,
  clicks: number,
  onClick?: (k: number, t: ClickTimes) => void,
): Promise<{ clicks: ClickTimes[]; median: ClickTimes }> {
  const all: ClickTimes[] = [];
  for (let k = 0; k < clicks; k++) {
    const t = await clickOnce(client, target);
    all.push(t);
    onClick?.(k, t);
  }
  return { clicks: all, median: medianClick(all) };
}
