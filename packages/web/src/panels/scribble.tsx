// The scribble panel: the tools (pan, vessel, background, eraser), the brush size, undo/redo/clear/save, and what
// the layer holds.
import type { SequenceEntry } from '../api.js';
import type { Scribble } from '../hooks/useScribble.js';
import { COLORS } from '../overlays.js';
import type { Tool } from '../viewport.js';
import { Swatch } from './swatch.js';

const TOOLS: [Tool, string, string][] = [
  ['pan', 'Pan', 'h'],
  ['vessel', 'Vessel', 'v'],
  ['background', 'Background', 'b'],
  ['eraser', 'Eraser', 'e'],
];

export function ScribblePanel({ scribble, entry }: { scribble: Scribble; entry: SequenceEntry | null }) {
  const { layer, edit, counts } = scribble;
  return (
    <section>
      <h3>Scribble</h3>
      <div class="seg tools">
        {TOOLS.map(([t, text, k]) => (
          <button
            class={scribble.tool === t ? 'on' : ''}
            onClick={() => scribble.setTool(t)}
            title={`${text} (${k})`}
            data-testid={`tool-${t}`}
          >
            {t === 'vessel' && <Swatch color={COLORS.vessel} />}
            {t === 'background' && <Swatch color={COLORS.background} />}
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
          value={scribble.brush}
          onInput={(e) => scribble.setBrush(Number(e.currentTarget.value))}
          data-testid="brush-size"
        />
        <span class="num">{scribble.brush}px</span>
      </label>
      <div class="row">
        <button
          disabled={!layer?.canUndo}
          onClick={() => edit((l) => l.undo())}
          title="Undo (Ctrl+Z)"
          data-testid="undo"
        >
          Undo
        </button>
        <button
          disabled={!layer?.canRedo}
          onClick={() => edit((l) => l.redo())}
          title="Redo (Ctrl+Y)"
          data-testid="redo"
        >
          Redo
        </button>
        <button onClick={() => edit((l) => l.clear())} disabled={!layer}>
          Clear
        </button>
        <button
          class={layer?.dirty ? 'primary' : ''}
          disabled={!layer?.dirty || !entry?.canScribble}
          onClick={() => void scribble.save()}
          title="Save (Ctrl+S)"
          data-testid="save"
        >
          Save
        </button>
      </div>
      {entry && !entry.canScribble && <div class="hint">scribbles are saved for training sequences only</div>}
      <div class="hint" data-testid="scribble-status">
        {counts.vessel} vessel · {counts.background} background px
        {layer?.dirty ? ' · unsaved' : scribble.saveState ? ` · ${scribble.saveState}` : ''}
      </div>
    </section>
  );
}
