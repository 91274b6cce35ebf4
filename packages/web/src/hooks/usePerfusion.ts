// The parametric (colour-coded) map layer: the map chosen (arrival, time to peak, peak, mean transit time, or
// none), fetched from the server as a transparent colour overlay for the open sequence (GET
// /api/sequences/:id/perfusion), with its colour range and unit for the legend; errors (a sequence without frame
// times) shown, not thrown.
import { useEffect, useState } from 'preact/hooks';
import { api, type PerfusionOverlay } from '../api.js';
import type { Renderers } from '../renderer.js';
import type { Overlays } from './useOverlays.js';
import type { CurrentRef, SequenceState } from './useSequenceData.js';

export const PERFUSION_MAPS: [string, string][] = [
  ['ttp', 'Time to peak'],
  ['arrival', 'Arrival time'],
  ['peak', 'Peak opacification'],
  ['mtt', 'Mean transit time'],
];

export interface Perfusion {
  /** '' for none. */
  map: string;
  setMap: (map: string) => void;
  info: PerfusionOverlay | null;
  error: string | null;
  loading: boolean;
}

export function usePerfusion(
  renderers: CurrentRef<Renderers>,
  seq: SequenceState,
  overlays: Overlays,
  compareReady: number,
): Perfusion {
  const [map, setMap] = useState('');
  const [info, setInfo] = useState<PerfusionOverlay | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    const d = seq.data.current;
    const fill = (rgba: Uint8ClampedArray | null) => {
      for (const r of [renderers.current.main, renderers.current.compare]) {
        if (!r || !d) continue;
        r.setSize(d.width, d.height);
        const pixels = r.layer('perfusion').pixels.data;
        if (rgba && rgba.length === pixels.length) pixels.set(rgba);
        else pixels.fill(0);
        r.commitLayer('perfusion');
      }
    };
    setError(null);
    if (!map || !d) {
      fill(null);
      setInfo(null);
      overlays.setOverlay('perfusion', { on: false });
      return;
    }
    let cancelled = false;
    setLoading(true);
    api.perfusion(d.entry.id, map).then(
      (o) => {
        if (cancelled || d.closed) return;
        fill(o.width === d.width && o.height === d.height ? o.rgba : null);
        setInfo(o);
        overlays.setOverlay('perfusion', { on: true });
        setLoading(false);
      },
      (e: unknown) => {
        if (cancelled) return;
        fill(null);
        setInfo(null);
        setError((e as Error).message);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [map, seq.selected, compareReady]);
  return { map, setMap, info, error, loading };
}
