// The displayed image: the cine's frame or projection through the window (level and width), drawn into both
// canvases. Windowing works in stored units (0..255, or 0..65535 for 16-bit sources); the readouts show values.
import { useCallback, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { windowLut } from '../overlays.js';
import type { Renderers } from '../renderer.js';
import type { SequenceData } from '../sequence-data.js';
import { shownImage, type Cine } from './useCine.js';
import type { CurrentRef } from './useSequenceData.js';

type Encoding = SequenceData['encoding'];

/** The stored values a window can cover: 0..255 for 8-bit frames, the sequence's range for 16-bit ones. */
function storedRange(e: Encoding): [number, number] {
  if (!e || e.bits === 8) return [0, 255];
  return [Math.round((e.min - e.offset) / e.scale), Math.round((e.max - e.offset) / e.scale)];
}

export interface Display {
  encoding: Encoding;
  level: number;
  setLevel: (level: number) => void;
  width: number;
  setWidth: (width: number) => void;
  /** The stored values the window can cover. */
  lo: number;
  hi: number;
  /** The window as stored (8-bit), or the sequence's whole range. */
  reset: (encoding: Encoding) => void;
  /** The window that clips 0.5% of the shown image's pixels at each end. */
  auto: () => void;
  /** A right-drag on the image: vertical moves the level, horizontal the width. */
  drag: (dLevel: number, dWidth: number) => void;
  /** A stored value (or, with offset 0, a difference) in the sequence's units, as text. */
  shownValue: (v: number, offset?: number) => string;
}

export function useDisplay(
  renderers: CurrentRef<Renderers>,
  data: CurrentRef<SequenceData | null>,
  cine: Cine,
  /** Redraw when these change: frames arriving, a comparison canvas appearing. */
  loaded: number,
  compareReady: number,
): Display {
  const [level, setLevel] = useState(128);
  const [width, setWidth] = useState(256);
  const { frame, projection } = cine;
  const encoding = data.current?.encoding ?? null;
  const bits = encoding?.bits ?? 8;
  const [lo, hi] = storedRange(encoding);
  const lut = useMemo(() => windowLut(level, width, bits), [level, width, bits]);
  const reset = useCallback((e: Encoding) => {
    const [a, b] = storedRange(e);
    setLevel(e?.bits === 16 ? (a + b) / 2 : 128);
    setWidth(e?.bits === 16 ? Math.max(1, b - a) : 256);
  }, []);
  const drawImage = useCallback(() => {
    const img = shownImage(data.current, cine);
    if (!img) return;
    for (const r of [renderers.current.main, renderers.current.compare]) r?.setImage(img, lut);
  }, [frame, projection, lut, loaded, compareReady]);
  // Before the browser paints, so a new frame shows in the same animation frame as the slider or key that asked.
  useLayoutEffect(drawImage, [drawImage]);

  const auto = () => {
    const img = shownImage(data.current, cine);
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
  const drag = (dl: number, dw: number) => {
    const step = Math.max(1, hi - lo) / 255;
    setLevel((l) => Math.max(lo, Math.min(hi, l + dl * 0.5 * step)));
    setWidth((w) => Math.max(1, Math.min(2 * (hi - lo), w + dw * step)));
  };
  const shownValue = (v: number, offset = encoding?.offset ?? 0) => {
    const x = offset + (encoding?.scale ?? 1) * v;
    return Math.abs(x) >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toPrecision(3);
  };
  return { encoding, level, setLevel, width, setWidth, lo, hi, reset, auto, drag, shownValue };
}
