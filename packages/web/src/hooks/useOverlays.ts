// The overlay layers of both canvases: the label, the chosen runs' probabilities and error maps, the scribbles,
// each shown or hidden with its own opacity. An artery/vein run's prediction layer is its class map in the two
// colours of the artery/vein label (red artery, blue vein), its error map that of its vessels (artery or vein).
import { useEffect, useRef, useState } from 'preact/hooks';
import { arteryVeinOverlay, errorOverlay, labelOverlay, probabilityOverlay, scribbleOverlay } from '../overlays.js';
import type { LayerName, Renderer, Renderers } from '../renderer.js';
import type { CurrentRef, SequenceState } from './useSequenceData.js';

export interface OverlayStyle {
  on: boolean;
  opacity: number;
}
export type OverlayState = Record<LayerName, OverlayStyle>;

export interface Overlays {
  overlays: OverlayState;
  setOverlay: (name: LayerName, change: Partial<OverlayStyle>) => void;
  /** The run whose probability the main view last received, and the draw count then (for the test hook). */
  shownPrediction: CurrentRef<{ run: string; draws: number } | null>;
}

export function useOverlays(
  renderers: CurrentRef<Renderers>,
  seq: SequenceState,
  /** The runs whose probabilities the main and the comparison view show ('' for none). */
  run: string,
  compareRun: string,
  compareReady: number,
  /** Whether a run was trained on the artery/vein labels (its predictions come with a class map). */
  isArteryVein: (run: string) => boolean = () => false,
): Overlays {
  const [overlays, setOverlays] = useState<OverlayState>({
    perfusion: { on: false, opacity: 0.85 },
    label: { on: false, opacity: 0.5 },
    prediction: { on: true, opacity: 0.6 },
    error: { on: false, opacity: 0.8 },
    scribble: { on: true, opacity: 0.9 },
  });
  const [layersVersion, setLayersVersion] = useState(0);
  const shownPrediction = useRef<{ run: string; draws: number } | null>(null);
  const { data, entry, selected } = seq;

  // Label, probability and error layers, from the label and the chosen runs' probabilities.
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
        const classes = prob && isArteryVein(name) ? await d.classes(name).catch(() => null) : null;
        if (cancelled || d.closed) return;
        r.setSize(d.width, d.height);
        if (d.labelAv) arteryVeinOverlay(d.labelAv, r.layer('label').pixels.data);
        else labelOverlay(d.label ?? new Uint8Array(0), r.layer('label').pixels.data);
        r.commitLayer('label');
        if (classes) arteryVeinOverlay(classes, r.layer('prediction').pixels.data);
        else if (prob) probabilityOverlay(prob, r.layer('prediction').pixels.data);
        else r.layer('prediction').pixels.data.fill(0);
        r.commitLayer('prediction');
        if (prob && r === renderers.current.main) shownPrediction.current = { run: name, draws: r.draws };
        // An artery/vein run finds veins too: its vessels are scored against the artery/vein label's vessels.
        const truth = classes && d.labelAv ? d.labelAv.map((v) => (v ? 255 : 0)) : d.label;
        if (prob && truth) errorOverlay(prob, truth, r.layer('error').pixels.data);
        else r.layer('error').pixels.data.fill(0);
        r.commitLayer('error');
      }
      setLayersVersion((v) => v + 1);
    })();
    return () => {
      cancelled = true;
    };
    // Redrawn when the server's run list (/api/info) tells an artery/vein run apart, which may come after the map.
  }, [
    selected,
    run,
    compareRun,
    seq.sequences,
    seq.dataVersion,
    compareReady,
    isArteryVein(run),
    isArteryVein(compareRun),
  ]);
  useEffect(() => {
    const d = data.current;
    for (const r of [renderers.current.main, renderers.current.compare]) {
      if (!d || !r) continue;
      r.setSize(d.width, d.height);
      scribbleOverlay(d.scribble.data, r.layer('scribble').pixels.data);
      r.commitLayer('scribble');
    }
  }, [seq.scribbleVersion, selected, compareReady]);
  useEffect(() => {
    for (const r of [renderers.current.main, renderers.current.compare]) {
      if (!r) continue;
      for (const [name, o] of Object.entries(overlays) as [LayerName, OverlayStyle][])
        r.setLayerStyle(name, o.on, o.opacity);
    }
  }, [overlays, layersVersion, compareReady]);

  const setOverlay = (name: LayerName, change: Partial<OverlayStyle>) =>
    setOverlays((o) => ({ ...o, [name]: { ...o[name], ...change } }));
  return { overlays, setOverlay, shownPrediction };
}
