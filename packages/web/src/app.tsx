// The viewer page: the dataset's sequences on the left, the image in the middle with the cine controls under it,
// and the display, overlay, scribble, segmentation, training and metrics panels on the right. The big arrays live
// in a SequenceData and the Renderer's offscreen layers; Preact state holds only what the controls show. The state
// lives in hooks/ (one concern each), the controls in panels/.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { nextToAnnotate } from './api.js';
import { useCine, type Cine } from './hooks/useCine.js';
import { useDisplay } from './hooks/useDisplay.js';
import { useKeyboard, type KeyMap } from './hooks/useKeyboard.js';
import { useOverlays, type Overlays } from './hooks/useOverlays.js';
import { useScribble, type Scribble } from './hooks/useScribble.js';
import { useSequenceData, type CurrentRef, type SequenceState } from './hooks/useSequenceData.js';
import { CineBar } from './panels/cine.js';
import { DisplayPanel } from './panels/display.js';
import { SegmentPanel, TrainPanel } from './panels/jobs.js';
import { MetricsPanel } from './panels/metrics.js';
import { OverlaysPanel } from './panels/overlays.js';
import { PerfusionPanel } from './panels/perfusion.js';
import { usePerfusion } from './hooks/usePerfusion.js';
import { ScribblePanel } from './panels/scribble.js';
import { SequenceList } from './panels/sequences.js';
import type { Renderer, Renderers } from './renderer.js';
import { Viewport } from './viewport.js';

/** Arrows step frames, space plays, letters pick tools, Ctrl+Z / Ctrl+Y undo and redo, Ctrl+S saves. */
function viewerKeys(cine: Cine, scribble: Scribble, renderers: CurrentRef<Renderers>, frames: number): KeyMap {
  return {
    ctrl: {
      z: (e) => scribble.edit((l) => (e.shiftKey ? l.redo() : l.undo())),
      y: () => scribble.edit((l) => l.redo()),
      s: () => void scribble.save(),
    },
    plain: {
      arrowright: () => frames && cine.step(1),
      arrowleft: () => frames && cine.step(-1),
      ' ': cine.togglePlay,
      v: () => scribble.setTool('vessel'),
      b: () => scribble.setTool('background'),
      e: () => scribble.setTool('eraser'),
      h: () => scribble.setTool('pan'),
      f: () => renderers.current.main?.fit(),
      m: () => cine.setProjection((p) => (p === 'minip' ? 'frame' : 'minip')),
      '[': () => scribble.setBrush((b) => Math.max(1, b - 1)),
      ']': () => scribble.setBrush((b) => Math.min(64, b + 1)),
    },
  };
}

/**
 * A small hook for the browser test and the viewer benchmark: where an image pixel is on screen, what colour it
 * shows, and which frame is up. Nothing in the page uses it.
 */
function useViewerProbe(renderers: CurrentRef<Renderers>, seq: SequenceState, cine: Cine, overlays: Overlays) {
  useEffect(() => {
    const main = () => renderers.current.main;
    const shown = overlays.shownPrediction;
    (window as unknown as { diasViewer: unknown }).diasViewer = {
      imageToClient(x: number, y: number): [number, number] {
        const r = main()!;
        const box = r.canvas.getBoundingClientRect();
        return [box.left + r.view.x + x * r.view.zoom, box.top + r.view.y + y * r.view.zoom];
      },
      pixelAt: (x: number, y: number) => {
        main()!.drawNow();
        return main()!.pixelAt(x, y);
      },
      frame: () => cine.frameRef.current,
      draws: () => main()?.draws ?? 0,
      drawMs: () => main()?.lastImageMs ?? 0,
      predictionShown: (run: string) => shown.current?.run === run && (main()?.draws ?? 0) > shown.current.draws,
      loadedFrames: () => seq.data.current?.loadedFrames ?? 0,
    };
  }, []);
}

function Header({ seq }: { seq: SequenceState }) {
  const { info, error } = seq;
  const next = () =>
    void nextToAnnotate().then(
      (id) => seq.open(id),
      (e: Error) => seq.setError(`Next to annotate: ${e.message}`),
    );
  return (
    <header>
      <strong>DIAS-TS</strong>
      <span class="muted">{info ? `${info.dataset.name} · ${info.dataset.sequences} sequences` : ''}</span>
      {error && (
        <span class="error" data-testid="error">
          {error}
        </span>
      )}
      <span class="spacer" />
      <button onClick={next} title="Open the sequence the current model is least sure about">
        Next to annotate
      </button>
    </header>
  );
}

export function App() {
  const renderers = useRef<Renderers>({ main: null, compare: null });
  const [run, setRun] = useState('');
  const [compareRun, setCompareRun] = useState('');
  const [compareReady, setCompareReady] = useState(0);
  // Called from useSequenceData's effects, after the render: the hooks below are set up by then.
  const seq = useSequenceData(renderers, {
    onInfo: (i) => setRun((r) => r || i.runs[0]?.name || ''),
    onLoad: (same) => {
      cine.setPlaying(false);
      if (same) return cine.frame;
      cine.rewind();
      scribble.setSaveState('');
      return 0;
    },
    onFirstFrame: (encoding) => display.reset(encoding),
  });
  const { entry, selected, info, data } = seq;
  const cine = useCine(entry);
  const display = useDisplay(renderers, data, cine, seq.loaded, compareReady);
  const overlays = useOverlays(
    renderers,
    seq,
    run,
    compareRun,
    compareReady,
    (name) => info?.runs.find((r) => r.name === name)?.labels === 'av',
  );
  const scribble = useScribble(seq, overlays);
  const perfusion = usePerfusion(renderers, seq, overlays, compareReady);
  useKeyboard(viewerKeys(cine, scribble, renderers, entry?.frames ?? 0));
  useViewerProbe(renderers, seq, cine, overlays);

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

  return (
    <div class="app">
      <Header seq={seq} />
      <SequenceList sequences={seq.sequences} selected={selected} open={seq.open} />
      <main>
        <Viewport
          onReady={onReady}
          compare={compareRun !== ''}
          compareLabels={compareRun ? [run || 'no run', compareRun] : null}
          tool={scribble.tool}
          brushSize={scribble.brush}
          onStroke={scribble.onStroke}
          onWindowDrag={display.drag}
        />
        <CineBar cine={cine} entry={entry} loaded={seq.loaded} subtract={seq.subtract} setSubtract={seq.setSubtract} />
      </main>
      <aside class="panels">
        <DisplayPanel display={display} renderers={renderers} />
        <OverlaysPanel
          overlays={overlays}
          entry={entry}
          runs={info?.runs ?? []}
          run={run}
          compareRun={compareRun}
          setCompareRun={setCompareRun}
          arteryVein={!!d?.labelAv}
          arteryVeinRun={info?.runs.find((r) => r.name === run)?.labels === 'av'}
        />
        <PerfusionPanel perfusion={perfusion} overlays={overlays} sequence={selected} />
        <ScribblePanel scribble={scribble} entry={entry} />
        <SegmentPanel
          runs={info?.runs ?? []}
          run={run}
          setRun={setRun}
          sequence={selected}
          onDone={(r) => {
            void (async () => {
              await data.current?.prediction(r, true);
              setRun(r);
              seq.bumpData();
              overlays.setOverlay('prediction', { on: true });
              await seq.refresh();
            })();
          }}
        />
        <TrainPanel
          recipes={info?.recipes ?? []}
          runs={info?.runs ?? []}
          scribbled={seq.sequences.filter((s) => s.scribble).length}
          running={info?.train ?? null}
          onDone={() => void seq.refresh()}
        />
        <MetricsPanel
          entry={entry}
          run={run}
          runEntry={info?.runs.find((r) => r.name === run)}
          prob={d && run ? d.predictions.get(run) : null}
          label={d?.label}
          sequence={selected}
        />
      </aside>
    </div>
  );
}
