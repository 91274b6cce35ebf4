// Scribbling on the open sequence: the tool and brush, strokes, undo/redo/clear, and saving to the server (PUT of
// the scribble PNG). Leaving the page with unsaved scribbles asks first.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { BACKGROUND, UNLABELLED, VESSEL, type ScribbleLayer } from '../scribble.js';
import type { Tool } from '../viewport.js';
import type { Overlays } from './useOverlays.js';
import type { SequenceState } from './useSequenceData.js';

export interface Scribble {
  tool: Tool;
  setTool: (tool: Tool) => void;
  brush: number;
  setBrush: (size: number | ((size: number) => number)) => void;
  /** The scribble layer of the selected sequence (null while another is still open). */
  layer: ScribbleLayer | null;
  counts: { vessel: number; background: number };
  /** '', 'saving…', 'saved' or why it was not saved. */
  saveState: string;
  setSaveState: (state: string) => void;
  onStroke: (phase: 'begin' | 'move' | 'end', x: number, y: number) => void;
  save: () => Promise<void>;
  /** Runs an edit of the layer (undo, redo, clear); a change redraws it. */
  edit: (f: (layer: ScribbleLayer) => boolean) => void;
}

export function useScribble(seq: SequenceState, overlays: Overlays): Scribble {
  const [tool, setTool] = useState<Tool>('pan');
  const [brush, setBrush] = useState(5);
  const [saveState, setSaveState] = useState<string>('');
  const { data, bumpScribble, refresh } = seq;

  const toolValue = tool === 'vessel' ? VESSEL : tool === 'background' ? BACKGROUND : UNLABELLED;
  const scribbleShown = overlays.overlays.scribble.on;
  const onStroke = useCallback(
    (phase: 'begin' | 'move' | 'end', x: number, y: number) => {
      const d = data.current;
      if (!d || tool === 'pan') return;
      if (phase === 'begin') d.scribble.begin(x, y, toolValue, brush);
      else if (phase === 'move') d.scribble.extend(x, y, toolValue, brush);
      else d.scribble.end();
      if (!scribbleShown) overlays.setOverlay('scribble', { on: true });
      bumpScribble();
    },
    [tool, toolValue, brush, scribbleShown],
  );
  const save = useCallback(async () => {
    const d = data.current;
    if (!d) return;
    setSaveState('saving…');
    try {
      await api.saveScribble(d.entry.id, { width: d.width, height: d.height, data: d.scribble.data });
      d.scribble.dirty = false;
      setSaveState('saved');
      bumpScribble();
      void refresh();
    } catch (e) {
      setSaveState(`not saved: ${(e as Error).message}`);
    }
  }, [refresh]);
  const edit = (f: (layer: ScribbleLayer) => boolean) => {
    if (data.current && f(data.current.scribble)) bumpScribble();
  };

  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (data.current?.scribble.dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, []);

  const d = data.current;
  const layer = d && d.entry.id === seq.selected ? d.scribble : null;
  const counts = useMemo(() => layer?.counts() ?? { vessel: 0, background: 0 }, [layer, seq.scribbleVersion]);
  return { tool, setTool, brush, setBrush, layer, counts, saveState, setSaveState, onStroke, save, edit };
}
