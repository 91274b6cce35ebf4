// The parametric map panel: which map to lay under the other overlays, its opacity, and its colour bar with the
// range in seconds (time maps: red early, blue late) or grey levels.
import { urls } from '../api.js';
import type { Overlays } from '../hooks/useOverlays.js';
import { PERFUSION_MAPS, type Perfusion } from '../hooks/usePerfusion.js';

export function PerfusionPanel(props: { perfusion: Perfusion; overlays: Overlays; sequence: string | null }) {
  const { map, setMap, info, error, loading } = props.perfusion;
  const { overlays, setOverlay } = props.overlays;
  const seconds = info?.unit === 'ms';
  const fmt = (v: number) => (seconds ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ${info?.unit ?? ''}`);
  return (
    <section>
      <h3>Parametric map</h3>
      <label class="row">
        Map
        <select value={map} onChange={(e) => setMap(e.currentTarget.value)} data-testid="perfusion-select">
          <option value="">(none)</option>
          {PERFUSION_MAPS.map(([name, text]) => (
            <option value={name}>{text}</option>
          ))}
        </select>
      </label>
      {map && (
        <label class="row">
          <input
            type="checkbox"
            checked={overlays.perfusion.on}
            onChange={(e) => setOverlay('perfusion', { on: e.currentTarget.checked })}
          />
          <span class="grow">Shown</span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={overlays.perfusion.opacity}
            onInput={(e) => setOverlay('perfusion', { opacity: Number(e.currentTarget.value) })}
          />
        </label>
      )}
      {loading && <div class="hint">computing the map…</div>}
      {error && <div class="error">{error}</div>}
      {info && map && props.sequence && (
        <div class="row" data-testid="perfusion-legend">
          <img src={urls.perfusion(props.sequence, map, 'legend')} width={12} height={96} alt="colour bar" />
          <div
            class="grow"
            style={{ display: 'flex', flexDirection: 'column', justifyContent: 'space-between', height: '96px' }}
          >
            <span>{fmt(info.range[1])}</span>
            <span class="muted">
              {info.title}, {info.pixels} px
            </span>
            <span>{fmt(info.range[0])}</span>
          </div>
        </div>
      )}
    </section>
  );
}
