// Long work the server runs for a client (an inference, a training run) as a job with an id: its state, its last
// progress, its result, and a stream of events for Server-Sent Events (https://html.spec.whatwg.org/multipage/
// server-sent-events.html). A job keeps its final event, so a stream opened late still learns how it ended.
// MONAI Label keeps one background task per kind and polls its status; here the client subscribes instead.

export type JobKind = 'infer' | 'train';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobEvent {
  event: string;
  data: unknown;
}

type Listener = (e: JobEvent) => void;

export class Job {
  state: JobState = 'running';
  progress: unknown = null;
  result: unknown = null;
  error: string | null = null;
  readonly started = new Date();
  ended: Date | null = null;
  private final: JobEvent | null = null;
  private readonly listeners = new Set<Listener>();
  /** Set by the job's runner: asks the work to stop (it ends the job as 'cancelled' when it has). */
  cancel: () => void = () => {};

  constructor(
    readonly id: string,
    readonly kind: JobKind,
    readonly details: Record<string, unknown>,
    /** What a failure's message becomes before a client sees it (the server hides paths outside its folders). */
    private readonly confine: (message: string) => string = (m) => m,
  ) {}

  get running(): boolean {
    return this.state === 'running';
  }

  /** Sends an event to every stream; 'progress' also becomes the job's progress. */
  emit(event: string, data: unknown): void {
    if (!this.running) return;
    if (event === 'progress') this.progress = data;
    for (const l of this.listeners) l({ event, data });
  }

  /** Ends the job once (later calls are ignored) and closes its streams with the final event. */
  finish(state: Exclude<JobState, 'running'>, payload: unknown): void {
    if (!this.running) return;
    this.state = state;
    this.ended = new Date();
    if (state === 'done') this.result = payload;
    if (state === 'failed') {
      this.error = this.confine((payload as { error: string }).error);
      payload = { ...(payload as object), error: this.error };
    }
    this.final = { event: state, data: payload };
    for (const l of this.listeners) l(this.final);
    this.listeners.clear();
  }

  /** Subscribes to events; returns the unsubscribe function. A finished job replays its final event only. */
  subscribe(listener: Listener): () => void {
    if (this.final) {
      listener(this.final);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the job has ended. */
  whenEnded(): Promise<JobState> {
    return new Promise((resolve) => {
      this.subscribe(() => {
        if (!this.running) resolve(this.state);
      });
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      kind: this.kind,
      state: this.state,
      started: this.started.toISOString(),
      ended: this.ended?.toISOString() ?? null,
      ...this.details,
      progress: this.progress,
      result: this.result,
      error: this.error,
    };
  }
}

/** The jobs of one server, by id (j1, j2, ...); the oldest finished ones are forgotten past `keep`. */
export class JobRegistry {
  private next = 1;
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly keep = 100,
    private readonly confine: (message: string) => string = (m) => m,
  ) {}

  create(kind: JobKind, details: Record<string, unknown>): Job {
    const job = new Job(`j${this.next++}`, kind, details, this.confine);
    this.jobs.set(job.id, job);
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= this.keep) break;
      if (!j.running) this.jobs.delete(id);
    }
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): Job[] {
    return [...this.jobs.values()].reverse();
  }

  running(kind: JobKind): Job | undefined {
    return this.list().find((j) => j.kind === kind && j.running);
  }
}

/** The text of one Server-Sent Event. */
export function sseMessage(e: JobEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data ?? null)}\n\n`;
}
