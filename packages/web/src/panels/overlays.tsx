// The overlays panel: each layer on or off with its opacity (a layer without its source is greyed out), the error
// map's legend, and the run to compare with side by side.
import type { RunEntry, SequenceEntry } from '../api.js';
import type { Overlays } from '../hooks/useOverlays.js';
import { COLORS, type Rgba } from '../overlays.js';
import type { LayerName } from '../renderer.js';
import { Swatch } from './swatch.js';

export function OverlaysPanel(props: {
  overlays: Overlays;
  entry: SequenceEntry | null;
  runs: RunEntry[];
  run: string;
  compareRun: string;
  setCompareRun: (run: string) => void;
  /** The label shown is the artery/vein one (two colours). */
  arteryVein?: boolean;
  /** The run shown was trained on the artery/vein labels: its prediction is a class map in the same colours. */
  arteryVeinRun?: boolean;
}) {
  const { overlays, setOverlay } = props.overlays;
  const { entry, run } = props;
  const layers: [LayerName, string, Rgba, boolean][] = [
    ['label', 'Label', COLORS.label, !!entry?.label],
    ['prediction', props.arteryVeinRun ? 'Artery/vein map' : 'Probability', COLORS.probability, !!run],
    ['error', 'Error map', COLORS.falseNegative, !!entry?.label && !!run],
    ['scribble', 'Scribbles', COLORS.vessel, true],
  ];
  return (
    <section>
      <h3>Overlays</h3>
      {layers.map(([name, text, color, available]) => (
        <label class={`row ${available ? '' : 'disabled'}`}>
          <input
            type="checkbox"
            checked={overlays[name].on}
            disabled={!available}
            onChange={(e) => setOverlay(name, { on: e.currentTarget.checked })}
            data-testid={`overlay-${name}`}
          />
          <Swatch color={color} />
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
      {((props.arteryVein && overlays.label.on) || (props.arteryVeinRun && overlays.prediction.on)) && (
        <div class="legend" data-testid="legend-av">
          <Swatch color={COLORS.artery} /> artery <Swatch color={COLORS.vein} /> vein
        </div>
      )}
      {overlays.error.on && (
        <div class="legend">
          <Swatch color={COLORS.truePositive} /> TP <Swatch color={COLORS.falsePositive} /> FP{' '}
          <Swatch color={COLORS.falseNegative} /> FN
        </div>
      )}
      <label class="row">
        Compare
        <select
          value={props.compareRun}
          onChange={(e) => props.setCompareRun(e.currentTarget.value)}
          data-testid="compare-select"
        >
          <option value="">(single view)</option>
          {props.runs
            .filter((r) => r.name !== run)
            .map((r) => (
              <option value={r.name}>{r.name}</option>
            ))}
        </select>
      </label>
    </section>
  );
}
