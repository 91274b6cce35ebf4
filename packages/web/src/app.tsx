// The viewer page: the dataset's sequences on the left, the image in the middle with the cine controls under it,
// and the display, overlay, scribble, segmentation, training and metrics panels on the right. The big arrays live
// in a SequenceData and the Renderer's offscreen layers; Preact state holds only what the controls show.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  nextToAnnotate,
  setAnnotatorSet,
  type SequenceEntry,
  type SequenceMetrics,
  type ServerInfo,
} from './api.js';
import { SegmentPanel, TrainPanel } from './jobs.js';
import {
  COLORS,
  errorOverlay,
  labelOverlay,
  probabilityOverlay,
  scribbleOverlay,
  windowLut,
  type Rgba,
} from './overlays.js';
import type { LayerName, Renderer } from './renderer.js';
import { BACKGROUND, UNLABELLED, VESSEL } from './scribble.js';
import { SequenceData } from './sequence-data.js';
import { Viewport, type Tool } from './viewport.js';

type Projection = 'frame' | 'minip' | 'mean';
type OverlayState = Record<LayerName, { on: boolean; opacity: number }>;

const SPEEDS = [1, 2, 4, 8, 15, 30];
const css = (c: Rgba) => `rgb(${c[0]},${c[1]},${c[2]})`;

/** The stored values a window can cover: 0..255 for 8-bit frames, the sequence's range for 16-bit ones. */
function storedRange(e: SequenceData['encoding']): [number, number] {
  if (!e || e.bits === 8) return [0, 255];
  return [Math.round((e.min - e.offset) / e.scale), Math.round((e.max - e.offset) / e.scale)];
}

export function App() {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [sequences, setSequences] = useState<SequenceEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const data = useRef<SequenceData | null>(null);
  const renderers = useRef<{ main: Renderer | null; compare: Renderer | null }>({ main: null, compare: null });
  const [loaded, setLoaded] = useState(0);
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(8);
  const [loop, setLoop] = useState(true);
  const [projection, setProjection] = useState<Projection>('frame');
  const [level, setLevel] = useState(128);
  const [width, setWidth] = useState(256);
  const [overlays, setOverlays] = useState<OverlayState>({
    label: { on: false, opacity: 0.5 },
    prediction: { on: true, opacity: 0.6 },
    error: { on: false, opacity: 0.8 },
    scribble: { on: true, opacity: 0.9 },
  });
  const [run, setRun] = useState('');
  const [compareRun, setCompareRun] = useState('');
  const [tool, setTool] = useState<Tool>('pan');
  const [brush, setBrush] = useState(5);
  const [scribbleVersion, setScribbleVersion] = useState(0);
  const [layersVersion, setLayersVersion] = useState(0);
  /** Bumped when the label or a prediction of the open sequence arrives. */
  const [dataVersion, setDataVersion] = useState(0);
  /** The run whose probability the main view last received, and the draw count then (for the test hook). */
  const shownPrediction = useRef<{ run: string; draws: number } | null>(null);
  const [saveState, setSaveState] = useState<string>('');
  const [compareReady, setCompareReady] = useState(0);
  const [subtract, setSubtract] = useState('');

  const entry = sequences.find((s) => s.id === selected) ?? null;
  const refresh = useCallback(async () => {
    try {
      const [i, s] = await Promise.all([api.info(), api.datastore()]);
      if (i.dataset.annotatorSet) setAnnotatorSet(i.dataset.annotatorSet);
      setInfo(i);
      setSequences(s);
      setRun((r) => r || i.runs[0]?.name || '');
      setError(null);
    } catch (e) {
      setError(`Cannot reach the server: ${(e as Error).message}`);
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  // Open a sequence: drop the old data, load frames, label and scribbles, fit the view once the size is known.
  const open = useCallback((id: string) => {
    const d = data.current;
    if (
      d &&
      d.scribble.dirty &&
      d.entry.id !== id &&
      !confirm('The scribbles of this sequence are not saved. Discard them?')
    )
      return;
    if (d?.entry.id !== id) setSubtract(''); // a subtraction choice belongs to its sequence
    setSelected(id);
  }, []);
  // A new subtraction choice reloads the frames of the same sequence and keeps everything else (scribbles, view).
  useEffect(() => {
    if (!entry) return;
    const previous = data.current;
    if (previous) previous.closed = true;
    const same = previous !== null && previous.entry.id === entry.id;
    const d = new SequenceData(entry, subtract);
    data.current = d;
    setPlaying(false);
    setLoaded(0);
    const fail = (e: unknown) => {
      if (d.closed) return;
      setError((e as Error).message);
      if (subtract) setSubtract('');
    };
    void d
      .loadFrames(same ? frame : 0, () => {
        if (d.closed) return;
        if (d.loadedFrames === 1) resetWindow(d.encoding);
        setLoaded((n) => n + 1);
      })
      .then(() => !d.closed && setLoaded((n) => n + 1), fail);
    if (same) {
      d.scribble = previous.scribble;
      d.label = previous.label;
      for (const [run, p] of previous.predictions) d.predictions.set(run, p);
      return;
    }
    setFrame(0);
    setProjection('frame');
    setSaveState('');
    setError(null);
    const main = renderers.current.main;
    if (main && main.setSize(d.width, d.height)) main.fit();
    else main?.fit();
    renderers.current.compare?.setSize(d.width, d.height);
    void d.loadLabel().then(() => !d.closed && setDataVersion((v) => v + 1), fail);
    void d.loadScribble().then(() => !d.closed && setScribbleVersion((v) => v + 1), fail);
    // by id only: the entry object changes on every datastore refresh
  }, [selected, subtract]);
  useEffect(() => {
    if (!selected && sequences.length > 0) setSelected(sequences[0].id);
  }, [sequences, selected]);

  // The displayed image: a frame or a projection, through the window.
  // Windowing works in stored units (0..255, or 0..65535 for 16-bit sources); the readouts show values.
  const encoding = data.current?.encoding ?? null;
  const bits = encoding?.bits ?? 8;
  const [lo, hi] = storedRange(encoding);
  const lut = useMemo(() => windowLut(level, width, bits), [level, width, bits]);
  const shownValue = (v: number, offset = encoding?.offset ?? 0) => {
    const x = offset + (encoding?.scale ?? 1) * v;
    return Math.abs(x) >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toPrecision(3);
  };
  const resetWindow = useCallback((e: SequenceData['encoding']) => {
    const [a, b] = storedRange(e);
    setLevel(e?.bits === 16 ? (a + b) / 2 : 128);
    setWidth(e?.bits === 16 ? Math.max(1, b - a) : 256);
  }, []);
  const drawImage = useCallback(() => {
    const d = data.current;
    const img = !d ? undefined : projection === 'minip' ? d.minip : projection === 'mean' ? d.mean : d.frames[frame];
    if (!img) return;
    for (const r of [renderers.current.main, renderers.current.compare]) r?.setImage(img, lut);
  }, [frame, projection, lut, loaded, compareReady]);
  // Before the browser paints, so a new frame shows in the same animation frame as the slider or key that asked.
  useLayoutEffect(drawImage, [drawImage]);

  // Overlays from the label, the chosen runs' probabilities and the scribbles.
  useEffect(() => {
    const d = data.current;
    if (!d) return;
    let cancelled = false;
    void (async () => {
      const pairs: [Renderer | null, string][] = [
        [renderers.current.main, run],
        [renderers.current.compare, compareRun],
      ];
      for (const [r, name] of pairs) {
        if (!r) continue;
        const stored = d.predictions.has(name) || !!entry?.predictions.includes(name);
        const prob = name && stored ? await d.prediction(name).catch(() => null) : null;
        if (cancelled || d.closed) return;
        r.setSize(d.width, d.height);
        labelOverlay(d.label ?? new Uint8Array(0), r.layer('label').pixels.data);
        r.commitLayer('label');
        if (prob) probabilityOverlay(prob, r.layer('prediction').pixels.data);
        else r.layer('prediction').pixels.data.fill(0);
        r.commitLayer('prediction');
        if (prob && r === renderers.current.main) shownPrediction.current = { run: name, draws: r.draws };
        if (prob && d.label) errorOverlay(prob, d.label, r.layer('error').pixels.data);
        else r.layer('error').pixels.data.fill(0);
        r.commitLayer('error');
      }
      setLayersVersion((v) => v + 1);
    })();
    return () => {
      cancelled = true;
    };
  }, [selected, run, compareRun, sequences, dataVersion, compareReady]);
  useEffect(() => {
    const d = data.current;
    for (const r of [renderers.current.main, renderers.current.compare]) {
      if (!d || !r) continue;
      r.setSize(d.width, d.height);
      scribbleOverlay(d.scribble.data, r.layer('scribble').pixels.data);
      r.commitLayer('scribble');
    }
  }, [scribbleVersion, selected, compareReady]);
  useEffect(() => {
    for (const r of [renderers.current.main, renderers.current.compare]) {
      if (!r) continue;
      for (const [name, o] of Object.entries(overlays) as [LayerName, { on: boolean; opacity: number }][])
        r.setLayerStyle(name, o.on, o.opacity);
    }
  }, [overlays, layersVersion, compareReady]);

  // Cine: advance at the chosen rate while playing; stop at the end unless looping.
  useEffect(() => {
    if (!playing || !entry) return;
    // Frame times on a fixed grid (not "now"), so the rate holds at the requested fps between display refreshes.
    const interval = 1000 / fps;
    let due = performance.now() + interval;
    let handle = 0;
    const tick = (now: number) => {
      if (now >= due - 2) {
        due = Math.max(due + interval, now - interval);
        setFrame((k) => {
          if (k + 1 < entry.frames) return k + 1;
          if (loop) return 0;
          setPlaying(false);
          return k;
        });
      }
      handle = requestAnimationFrame(tick);
    };
    handle = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(handle);
  }, [playing, fps, loop, entry?.id, entry?.frames]);

  // Scribbling.
  const toolValue = tool === 'vessel' ? VESSEL : tool === 'background' ? BACKGROUND : UNLABELLED;
  const onStroke = useCallback(
    (phase: 'begin' | 'move' | 'end', x: number, y: number) => {
      const d = data.current;
      if (!d || tool === 'pan') return;
      if (phase === 'begin') d.scribble.begin(x, y, toolValue, brush);
      else if (phase === 'move') d.scribble.extend(x, y, toolValue, brush);
      else d.scribble.end();
      if (!overlays.scribble.on) setOverlays((o) => ({ ...o, scribble: { ...o.scribble, on: true } }));
      setScribbleVersion((v) => v + 1);
    },
    [tool, toolValue, brush, overlays.scribble.on],
  );
  const save = useCallback(async () => {
    const d = data.current;
    if (!d) return;
    setSaveState('saving…');
    try {
      await api.saveScribble(d.entry.id, { width: d.width, height: d.height, data: d.scribble.data });
      d.scribble.dirty = false;
      setSaveState('saved');
      setScribbleVersion((v) => v + 1);
      void refresh();
    } catch (e) {
      setSaveState(`not saved: ${(e as Error).message}`);
    }
  }, [refresh]);
  const edit = (f: () => boolean) => {
    if (data.current && f()) setScribbleVersion((v) => v + 1);
  };

  // Leaving the page with unsaved scribbles asks first.
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (data.current?.scribble.dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, []);

  // Keyboard: arrows step frames, space plays, letters pick tools, Ctrl+Z / Ctrl+Y undo and redo.
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (
        t.tagName === 'SELECT' ||
        t.tagName === 'TEXTAREA' ||
        (t.tagName === 'INPUT' && !['range', 'checkbox', 'radio'].includes((t as HTMLInputElement).type))
      )
        return;
      const n = entry?.frames ?? 0;
      const ctrl = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      const step = (by: number) => {
        setProjection('frame');
        setFrame((f) => (f + by + n) % n);
      };
      const actions: Record<string, () => void> = ctrl
        ? {
            z: () => edit(() => (e.shiftKey ? data.current!.scribble.redo() : data.current!.scribble.undo())),
            y: () => edit(() => data.current!.scribble.redo()),
            s: () => void save(),
          }
        : e.altKey
          ? {}
          : {
              arrowright: () => n && step(1),
              arrowleft: () => n && step(-1),
              ' ': () => {
                setProjection('frame');
                setPlaying((p) => !p);
              },
              v: () => setTool('vessel'),
              b: () => setTool('background'),
              e: () => setTool('eraser'),
              h: () => setTool('pan'),
              f: () => renderers.current.main?.fit(),
              m: () => setProjection((p) => (p === 'minip' ? 'frame' : 'minip')),
              '[': () => setBrush((b) => Math.max(1, b - 1)),
              ']': () => setBrush((b) => Math.min(64, b + 1)),
            };
      const action = actions[k];
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [entry?.frames, save]);

  // A small hook for the browser test and the viewer benchmark: where an image pixel is on screen, what colour it
  // shows, and which frame is up. Nothing in the page uses it.
  useEffect(() => {
    (window as unknown as { diasViewer: unknown }).diasViewer = {
      imageToClient(x: number, y: number): [number, number] {
        const r = renderers.current.main!;
        const box = r.canvas.getBoundingClientRect();
        return [box.left + r.view.x + x * r.view.zoom, box.top + r.view.y + y * r.view.zoom];
      },
      pixelAt: (x: number, y: number) => {
        renderers.current.main!.drawNow();
        return renderers.current.main!.pixelAt(x, y);
      },
      frame: () => frameRef.current,
      draws: () => renderers.current.main?.draws ?? 0,
      drawMs: () => renderers.current.main?.lastImageMs ?? 0,
      predictionShown: (run: string) =>
        shownPrediction.current?.run === run && (renderers.current.main?.draws ?? 0) > shownPrediction.current.draws,
      loadedFrames: () => data.current?.loadedFrames ?? 0,
    };
  }, []);
  const frameRef = useRef(frame);
  frameRef.current = frame;

  const onReady = useCallback((main: Renderer, compare: Renderer | null) => {
    renderers.current = { main, compare };
    const d = data.current;
    if (d) {
      main.setSize(d.width, d.height);
      compare?.setSize(d.width, d.height);
      main.fit();
    }
    setCompareReady((v) => v + 1);
  }, []);

  const d = data.current;
  const scribble = d && d.entry.id === selected ? d.scribble : null;
  const counts = useMemo(() => scribble?.counts() ?? { vessel: 0, background: 0 }, [scribble, scribbleVersion]);
  const prob = d && run ? d.predictions.get(run) : null;
  const [metrics, setMetrics] = useState<SequenceMetrics | null>(null);
  useEffect(() => {
    setMetrics(null);
    if (!selected || !run || !prob || !d?.label) return;
    let current = true;
    api.metrics(selected, run).then(
      (m) => current && setMetrics(m),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [selected, run, prob, d?.label]);
  const runEntry = info?.runs.find((r) => r.name === run);
  const shown = sequences.filter((s) => !filter || s.id.includes(filter) || (s.split ?? '').includes(filter));
  const splits = [...new Set(shown.map((s) => s.split))];
  const setOverlay = (name: LayerName, change: Partial<{ on: boolean; opacity: number }>) =>
    setOverlays((o) => ({ ...o, [name]: { ...o[name], ...change } }));

  const autoWindow = () => {
    const img = d && (projection === 'minip' ? d.minip : projection === 'mean' ? d.mean : d.frames[frame]);
    if (!img) return;
    const top = (1 << bits) - 1;
    const hist = new Uint32Array(top + 1);
    for (const v of img) hist[v]++;
    const cut = img.length * 0.005;
    let a = 0;
    let b = top;
    for (let acc = 0; a < top && (acc += hist[a]) < cut; a++);
    for (let acc = 0; b > 0 && (acc += hist[b]) < cut; b--);
    setWidth(Math.max(1, b - a));
    setLevel(Math.round((b + a) / 2));
  };

  return (
    <div class="app">
      <header>
        <strong>DIAS-TS</strong>
        <span class="muted">{info ? `${info.dataset.name} · ${info.dataset.sequences} sequences` : ''}</span>
        {error && (
          <span class="error" data-testid="error">
            {error}
          </span>
        )}
        <span class="spacer" />
        <button
          onClick={() =>
            void nextToAnnotate().then(
              (id) => open(id),
              (e: Error) => setError(`Next to annotate: ${e.message}`),
            )
          }
          title="Open the sequence the current model is least sure about"
        >
          Next to annotate
        </button>
      </header>

      <aside class="sequences">
        <input
          type="search"
          placeholder="Filter sequences"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        {splits.map((split) => (
          <div key={split ?? '-'}>
            <h4>{split ?? 'sequences'}</h4>
            <ul>
              {shown
                .filter((s) => s.split === split)
                .map((s) => (
                  <li
                    key={s.id}
                    class={s.id === selected ? 'active' : ''}
                    onClick={() => open(s.id)}
                    data-testid={`sequence-${s.id}`}
                  >
                    <span class="id">{s.id}</span>
                    <span class="meta">
                      {s.frames}f · {s.width}×{s.height}
                    </span>
                    <span class="badges">
                      {s.label && <b title="label">L</b>}
                      {s.scribble && (
                        <b title="scribbles" class="s">
                          S
                        </b>
                      )}
                      {s.predictions.length > 0 && (
                        <b title={`predictions: ${s.predictions.join(', ')}`} class="p">
                          P
                        </b>
                      )}
                    </span>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </aside>

      <main>
        <Viewport
          onReady={onReady}
          compare={compareRun !== ''}
          compareLabels={compareRun ? [run || 'no run', compareRun] : null}
          tool={tool}
          brushSize={brush}
          onStroke={onStroke}
          onWindowDrag={(dl, dw) => {
            const step = Math.max(1, hi - lo) / 255;
            setLevel((l) => Math.max(lo, Math.min(hi, l + dl * 0.5 * step)));
            setWidth((w) => Math.max(1, Math.min(2 * (hi - lo), w + dw * step)));
          }}
        />
        <div class="cine">
          <button
            class="play"
            onClick={() => (setProjection('frame'), setPlaying((p) => !p))}
            title="Play / pause (space)"
            data-testid="play"
          >
            {playing ? '❚❚' : '▶'}
          </button>
          <input
            type="range"
            min={0}
            max={Math.max(0, (entry?.frames ?? 1) - 1)}
            value={frame}
            onInput={(e) => (setProjection('frame'), setFrame(Number(e.currentTarget.value)))}
            data-testid="frame-slider"
          />
          <span class="frame-no" data-testid="frame-number">
            {projection === 'frame'
              ? `${frame + 1} / ${entry?.frames ?? 0}`
              : projection === 'minip'
                ? 'MinIP'
                : 'mean'}
          </span>
          <select value={fps} onChange={(e) => setFps(Number(e.currentTarget.value))} title="Frames per second">
            {SPEEDS.map((s) => (
              <option value={s}>{s} fps</option>
            ))}
          </select>
          <label>
            <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.currentTarget.checked)} /> loop
          </label>
          <span class="seg">
            {(['frame', 'minip', 'mean'] as Projection[]).map((p) => (
              <button
                class={projection === p ? 'on' : ''}
                onClick={() => (setPlaying(false), setProjection(p))}
                data-testid={`projection-${p}`}
              >
                {p === 'frame' ? 'Cine' : p === 'minip' ? 'MinIP' : 'Mean'}
              </button>
            ))}
          </span>
          {entry && entry.split === null && (
            <select
              value={subtract}
              onChange={(e) => setSubtract(e.currentTarget.value)}
              title="An unsubtracted cine made DSA: log-domain subtraction of a mask frame"
              data-testid="subtract"
            >
              <option value="">as stored</option>
              <option value="auto">subtract: auto mask</option>
              {Array.from({ length: entry.frames }, (_, k) => (
                <option value={String(k)}>subtract frame {k + 1}</option>
              ))}
            </select>
          )}
          <span class="muted">{entry && loaded < entry.frames ? `loading ${loaded}/${entry.frames}` : ''}</span>
        </div>
      </main>

      <aside class="panels">
        <section>
          <h3>Display</h3>
          <label class="row">
            Level{' '}
            <input
              type="range"
              min={lo}
              max={hi}
              value={level}
              onInput={(e) => setLevel(Number(e.currentTarget.value))}
              data-testid="level"
            />
            <span class="num" data-testid="level-value">
              {shownValue(level)}
            </span>
          </label>
          <label class="row">
            Width{' '}
            <input
              type="range"
              min={1}
              max={Math.max(2, 2 * (hi - lo))}
              value={width}
              onInput={(e) => setWidth(Number(e.currentTarget.value))}
              data-testid="width"
            />
            <span class="num" data-testid="width-value">
              {shownValue(width, 0)}
            </span>
          </label>
          <div class="row">
            <button onClick={autoWindow}>Auto</button>
            <button onClick={() => resetWindow(encoding)} title="As stored (8-bit), or the sequence's whole range">
              Reset
            </button>
            <button onClick={() => renderers.current.main?.fit()} title="Fit to screen (f, double-click)">
              Fit
            </button>
            <button
              onClick={() =>
                renderers.current.main?.zoomAt(
                  renderers.current.main.canvas.clientWidth / 2,
                  renderers.current.main.canvas.clientHeight / 2,
                  1 / renderers.current.main.view.zoom,
                )
              }
            >
              1:1
            </button>
          </div>
        </section>

        <section>
          <h3>Overlays</h3>
          {(
            [
              ['label', 'Label', COLORS.label, !!entry?.label],
              ['prediction', 'Probability', COLORS.probability, !!run],
              ['error', 'Error map', COLORS.falseNegative, !!entry?.label && !!run],
              ['scribble', 'Scribbles', COLORS.vessel, true],
            ] as [LayerName, string, Rgba, boolean][]
          ).map(([name, text, color, available]) => (
            <label class={`row ${available ? '' : 'disabled'}`}>
              <input
                type="checkbox"
                checked={overlays[name].on}
                disabled={!available}
                onChange={(e) => setOverlay(name, { on: e.currentTarget.checked })}
                data-testid={`overlay-${name}`}
              />
              <span class="swatch" style={{ background: css(color) }} />
              <span class="grow">{text}</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={overlays[name].opacity}
                onInput={(e) => setOverlay(name, { opacity: Number(e.currentTarget.value) })}
              />
            </label>
          ))}
          {overlays.error.on && (
            <div class="legend">
              <span class="swatch" style={{ background: css(COLORS.truePositive) }} /> TP{' '}
              <span class="swatch" style={{ background: css(COLORS.falsePositive) }} /> FP{' '}
              <span class="swatch" style={{ background: css(COLORS.falseNegative) }} /> FN
            </div>
          )}
          <label class="row">
            Compare
            <select
              value={compareRun}
              onChange={(e) => setCompareRun(e.currentTarget.value)}
              data-testid="compare-select"
            >
              <option value="">(single view)</option>
              {info?.runs
                .filter((r) => r.name !== run)
                .map((r) => (
                  <option value={r.name}>{r.name}</option>
                ))}
            </select>
          </label>
        </section>

        <section>
          <h3>Scribble</h3>
          <div class="seg tools">
            {(
              [
                ['pan', 'Pan', 'h'],
                ['vessel', 'Vessel', 'v'],
                ['background', 'Background', 'b'],
                ['eraser', 'Eraser', 'e'],
              ] as [Tool, string, string][]
            ).map(([t, text, k]) => (
              <button
                class={tool === t ? 'on' : ''}
                onClick={() => setTool(t)}
                title={`${text} (${k})`}
                data-testid={`tool-${t}`}
              >
                {t === 'vessel' && <span class="swatch" style={{ background: css(COLORS.vessel) }} />}
                {t === 'background' && <span class="swatch" style={{ background: css(COLORS.background) }} />}
                {text}
              </button>
            ))}
          </div>
          <label class="row">
            Size{' '}
            <input
              type="range"
              min={1}
              max={64}
              value={brush}
              onInput={(e) => setBrush(Number(e.currentTarget.value))}
              data-testid="brush-size"
            />
            <span class="num">{brush}px</span>
          </label>
          <div class="row">
            <button
              disabled={!scribble?.canUndo}
              onClick={() => edit(() => scribble!.undo())}
              title="Undo (Ctrl+Z)"
              data-testid="undo"
            >
              Undo
            </button>
            <button
              disabled={!scribble?.canRedo}
              onClick={() => edit(() => scribble!.redo())}
              title="Redo (Ctrl+Y)"
              data-testid="redo"
            >
              Redo
            </button>
            <button onClick={() => edit(() => scribble!.clear())} disabled={!scribble}>
              Clear
            </button>
            <button
              class={scribble?.dirty ? 'primary' : ''}
              disabled={!scribble?.dirty || !entry?.canScribble}
              onClick={() => void save()}
              title="Save (Ctrl+S)"
              data-testid="save"
            >
              Save
            </button>
          </div>
          {entry && !entry.canScribble && <div class="hint">scribbles are saved for training sequences only</div>}
          <div class="hint" data-testid="scribble-status">
            {counts.vessel} vessel · {counts.background} background px
            {scribble?.dirty ? ' · unsaved' : saveState ? ` · ${saveState}` : ''}
          </div>
        </section>

        <SegmentPanel
          runs={info?.runs ?? []}
          run={run}
          setRun={setRun}
          sequence={selected}
          onDone={(r) => {
            void (async () => {
              await data.current?.prediction(r, true);
              setRun(r);
              setDataVersion((v) => v + 1);
              setOverlay('prediction', { on: true });
              await refresh();
            })();
          }}
        />

        <TrainPanel
          recipes={info?.recipes ?? []}
          runs={info?.runs ?? []}
          scribbled={sequences.filter((s) => s.scribble).length}
          running={info?.train ?? null}
          onDone={() => void refresh()}
        />

        <section>
          <h3>Metrics</h3>
          {metrics ? (
            <table class="metrics" data-testid="metrics">
              {Object.entries(metrics.metrics).map(([k, v]) => (
                <tr>
                  <td>{k}</td>
                  <td>{v === null ? '–' : v.toFixed(3)}</td>
                </tr>
              ))}
            </table>
          ) : (
            <div class="hint">
              {entry?.label ? 'segment this sequence to compare with its label' : 'no label for this sequence'}
            </div>
          )}
          {runEntry?.metrics &&
            Object.entries(runEntry.metrics).map(([split, m]) => (
              <div class="hint">
                run {run} on {split}: DSC {m.DSC?.toFixed(3) ?? '–'} · clDice {m.clDice?.toFixed(3) ?? '–'}
              </div>
            ))}
        </section>
      </aside>
    </div>
  );
}
