// The two background-job panels: segment the open sequence with a run (POST /api/infer), and train a run from the
// scribbles drawn so far (POST /api/train). Both follow the job's Server-Sent Events and can cancel it; training
// shows loss and validation DSC per epoch as numbers and a small chart.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, followJob, type JobEvent, type RecipeEntry, type RunEntry } from '../api.js';
import { Swatch } from './swatch.js';

/** A job field as text (the server sends strings; anything else is shown as JSON). */
function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A job's progress as a fraction: inference counts patches (done/total), training epochs and steps. */
function fraction(e: JobEvent): number | undefined {
  const done = num(e.done);
  const total = num(e.total);
  if (done !== undefined && total) return done / total;
  const epoch = num(e.epoch);
  const epochs = num(e.epochs);
  if (epoch === undefined || !epochs) return undefined;
  const step = num(e.step);
  const steps = num(e.steps);
  return (epoch - 1 + (step !== undefined && steps ? (step + 1) / steps : 1)) / epochs;
}

/** The `key=value` settings, separated by `;` or new lines, as lines for POST /api/train's `set`: the server
 * reads each as `dias train --set` reads it, and names a line that does not fit. */
function settingLines(text: string): string[] {
  return text
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function Progress({ value, text }: { value: number | undefined; text: string }) {
  return (
    <div class="progress" data-testid="progress">
      <div class="bar" style={{ width: `${Math.round(100 * (value ?? 0))}%` }} />
      <span>{text}</span>
    </div>
  );
}

export function SegmentPanel(props: {
  runs: RunEntry[];
  run: string;
  setRun(r: string): void;
  sequence: string | null;
  onDone(run: string): void;
}) {
  const [mode, setMode] = useState<'fast' | 'full'>('fast');
  const [job, setJob] = useState<string | null>(null);
  const [state, setState] = useState<{ value?: number; text: string } | null>(null);

  const start = async () => {
    if (!props.sequence || !props.run) return;
    const run = props.run;
    setState({ value: 0, text: 'starting' });
    const t0 = performance.now();
    try {
      const { job } = await api.infer(run, props.sequence, mode);
      setJob(job);
      const last = await followJob(job, (e) => {
        if (e.type === 'progress') setState({ value: fraction(e), text: `${num(e.done)}/${num(e.total)} patches` });
        else if (e.type === 'state') setState({ value: 0, text: text(e.state ?? 'queued') });
      });
      setJob(null);
      if (last.type === 'done') {
        const vessels = num(last.vesselFraction);
        setState({
          value: 1,
          text: `done in ${((performance.now() - t0) / 1000).toFixed(1)} s${vessels !== undefined ? ` · ${(100 * vessels).toFixed(1)}% vessel` : ''}`,
        });
        props.onDone(run);
      } else setState({ value: undefined, text: `${last.type}${last.error ? `: ${text(last.error)}` : ''}` });
    } catch (e) {
      setJob(null);
      setState({ value: undefined, text: (e as Error).message });
    }
  };

  return (
    <section>
      <h3>Segment</h3>
      <label class="row">
        Run
        <select value={props.run} onChange={(e) => props.setRun(e.currentTarget.value)} data-testid="run-select">
          {props.runs.length === 0 && <option value="">(no runs)</option>}
          {props.runs.map((r) => (
            <option value={r.name} title={r.note}>
              {r.title ?? r.name}
              {r.model ? ` · ${r.model}` : ''}
            </option>
          ))}
        </select>
      </label>
      <div class="row">
        <label>
          <input type="radio" checked={mode === 'fast'} onChange={() => setMode('fast')} /> fast
        </label>
        <label>
          <input type="radio" checked={mode === 'full'} onChange={() => setMode('full')} /> full
        </label>
        {job ? (
          <button onClick={() => void api.cancel(job)}>Cancel</button>
        ) : (
          <button
            class="primary"
            disabled={!props.run || !props.sequence}
            onClick={() => void start()}
            data-testid="segment"
          >
            Segment
          </button>
        )}
      </div>
      {state && <Progress value={state.value} text={state.text} />}
    </section>
  );
}

interface EpochPoint {
  epoch: number;
  loss?: number;
  dsc?: number;
}

function Chart({ points }: { points: EpochPoint[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current!;
    const ctx = c.getContext('2d')!;
    const w = (c.width = c.clientWidth * devicePixelRatio);
    const h = (c.height = c.clientHeight * devicePixelRatio);
    ctx.clearRect(0, 0, w, h);
    if (points.length === 0) return;
    const n = Math.max(2, points.length);
    const line = (values: (number | undefined)[], color: string, max: number) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.beginPath();
      let started = false;
      values.forEach((v, i) => {
        if (v === undefined) return;
        const x = (i / (n - 1)) * (w - 4) + 2;
        const y = h - 2 - (v / max) * (h - 4);
        if (started) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        started = true;
      });
      ctx.stroke();
    };
    const losses = points.map((p) => p.loss);
    line(losses, '#f0a030', Math.max(1e-6, ...losses.filter((v): v is number => v !== undefined)));
    line(
      points.map((p) => p.dsc),
      '#40c8ff',
      1,
    );
  }, [points]);
  return <canvas ref={ref} class="chart" />;
}

interface TrainJob {
  job: string | null;
  status: { value?: number; text: string } | null;
  points: EpochPoint[];
  start: (body: Record<string, unknown>) => Promise<void>;
}

/**
 * A training job: started here, or `running` (the server's job when the page opens), followed to its end over
 * its events: progress as text, loss and validation DSC per epoch as points.
 */
function useTrainJob(running: { id: string; run?: string } | null, onDone: () => void): TrainJob {
  const [job, setJob] = useState<string | null>(null);
  const [status, setStatus] = useState<{ value?: number; text: string } | null>(null);
  const [points, setPoints] = useState<EpochPoint[]>([]);

  const start = async (body: Record<string, unknown>) => {
    setStatus({ value: 0, text: 'starting' });
    try {
      const { job, run } = await api.train(body);
      await follow(job, run);
    } catch (e) {
      setJob(null);
      setStatus({ value: undefined, text: (e as Error).message });
    }
  };

  const followed = useRef<string | null>(null);
  useEffect(() => {
    const r = running;
    if (!r || job || followed.current === r.id) return;
    followed.current = r.id;
    void follow(r.id, r.run ?? r.id);
  }, [running?.id]);

  const follow = async (job: string, run: string) => {
    followed.current = job;
    setPoints([]);
    try {
      setJob(job);
      let lastDsc: number | undefined;
      const last = await followJob(job, (e) => {
        if (e.type === 'epoch') {
          // a log.jsonl line: { epoch, train: { loss, ... }, val?: { DSC, ... } }
          const epoch = num(e.epoch) ?? 0;
          const loss = num((e.train as Record<string, unknown> | undefined)?.loss);
          const dsc = num((e.val as Record<string, unknown> | undefined)?.DSC);
          if (dsc !== undefined) lastDsc = dsc;
          setPoints((ps) => [...ps.filter((p) => p.epoch !== epoch), { epoch, loss, dsc }]);
        } else if (e.type === 'progress') {
          const loss = num((e.losses as Record<string, unknown> | undefined)?.loss);
          const parts = [`epoch ${num(e.epoch)}/${num(e.epochs)}`];
          if (loss !== undefined) parts.push(`loss ${loss.toFixed(3)}`);
          if (lastDsc !== undefined) parts.push(`val DSC ${lastDsc.toFixed(3)}`);
          setStatus({ value: fraction(e), text: parts.join(' · ') });
        } else if (e.type === 'state') setStatus({ value: 0, text: `${run}: ${text(e.state ?? 'starting')}` });
      });
      setJob(null);
      const best = last.best as { metric?: string; value?: number; epoch?: number } | undefined;
      const bestText =
        best?.value !== undefined ? ` · best ${best.metric ?? ''} ${best.value.toFixed(3)} (epoch ${best.epoch})` : '';
      setStatus({
        value: last.type === 'done' ? 1 : undefined,
        text:
          last.type === 'done'
            ? `finished ${run}${bestText}`
            : `${last.type}${last.error ? `: ${text(last.error)}` : ''}`,
      });
      if (last.type === 'done') onDone();
    } catch (e) {
      setJob(null);
      setStatus({ value: undefined, text: (e as Error).message });
    }
  };

  return { job, status, points, start };
}

/** The training panel; `running` is the server's training job when the page opens (GET /api/info's `train`): the
 * panel follows it as if it had started it (an ended job's stream gives its outcome at once). */
export function TrainPanel(props: {
  recipes: RecipeEntry[];
  runs: RunEntry[];
  scribbled: number;
  running: { id: string; run?: string; state?: string } | null;
  onDone(): void;
}) {
  const [recipe, setRecipe] = useState('');
  const [base, setBase] = useState('');
  const [epochs, setEpochs] = useState(20);
  const [settings, setSettings] = useState('');
  const { job, status, points, start } = useTrainJob(props.running, () => props.onDone());
  const scribbleRecipes = props.recipes.filter((r) => r.targets === 'scribble');
  const chosen = recipe || scribbleRecipes.find((r) => r.name === 'sscr')?.name || scribbleRecipes[0]?.name || '';
  const train = () => start({ recipe: chosen, from: base || undefined, epochs, set: settingLines(settings) });

  return (
    <section>
      <h3>Train from scribbles</h3>
      <label class="row">
        Recipe
        <select value={chosen} onChange={(e) => setRecipe(e.currentTarget.value)} data-testid="recipe-select">
          {scribbleRecipes.map((r) => (
            <option value={r.name} title={r.summary}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label class="row">
        Start from
        <select value={base} onChange={(e) => setBase(e.currentTarget.value)}>
          <option value="">scratch</option>
          {props.runs
            .filter((r) => !r.builtin)
            .map((r) => (
              <option value={r.name}>{r.name}</option>
            ))}
        </select>
      </label>
      <label class="row">
        Epochs
        <input
          type="number"
          min={1}
          max={1000}
          value={epochs}
          onInput={(e) => setEpochs(Math.max(1, Number(e.currentTarget.value) || 1))}
          data-testid="epochs"
        />
      </label>
      <label class="row">
        Settings
        <input
          type="text"
          placeholder="key=value; …"
          value={settings}
          onInput={(e) => setSettings(e.currentTarget.value)}
          title="Config keys by dotted name, as dias train --set"
          data-testid="train-settings"
        />
      </label>
      <div class="row">
        <span class="hint">
          {props.scribbled} sequence{props.scribbled === 1 ? '' : 's'} scribbled
        </span>
        {job ? (
          <button onClick={() => void api.cancel(job)}>Cancel</button>
        ) : (
          <button class="primary" disabled={!chosen} onClick={() => void train()} data-testid="train">
            Train
          </button>
        )}
      </div>
      {status && <Progress value={status.value} text={status.text} />}
      {points.length > 0 && (
        <>
          <Chart points={points} />
          <div class="legend">
            <Swatch color="#f0a030" /> loss <Swatch color="#40c8ff" /> val DSC
          </div>
        </>
      )}
    </section>
  );
}
