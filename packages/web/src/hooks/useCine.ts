// The cine: which image is up (a frame, the MinIP or the mean), and playback at a chosen rate, looping or stopping
// at the end.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Pixels, SequenceEntry } from '../api.js';
import type { SequenceData } from '../sequence-data.js';

export type Projection = 'frame' | 'minip' | 'mean';

export const SPEEDS = [1, 2, 4, 8, 15, 30];

export interface Cine {
  frame: number;
  /** The frame up now, for callers outside the render (the test hook). */
  frameRef: { current: number };
  projection: Projection;
  setProjection: (p: Projection | ((p: Projection) => Projection)) => void;
  playing: boolean;
  setPlaying: (playing: boolean) => void;
  fps: number;
  setFps: (fps: number) => void;
  loop: boolean;
  setLoop: (loop: boolean) => void;
  /** Shows frame k (leaving a projection). */
  showFrame: (k: number) => void;
  /** Steps by `by` frames, wrapping around (leaving a projection). */
  step: (by: number) => void;
  /** Plays or pauses (leaving a projection). */
  togglePlay: () => void;
  /** Shows a projection, or the frames (stops playing). */
  project: (p: Projection) => void;
  /** Back to frame 1 of the frames, for a newly opened sequence. */
  rewind: () => void;
}

/** The image a cine shows of `d`: a frame or a projection (undefined until it is loaded). */
export function shownImage(
  d: SequenceData | null,
  cine: Pick<Cine, 'frame' | 'projection'>,
): Pixels | null | undefined {
  const { frame, projection } = cine;
  return !d ? undefined : projection === 'minip' ? d.minip : projection === 'mean' ? d.mean : d.frames[frame];
}

export function useCine(entry: SequenceEntry | null): Cine {
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(8);
  const [loop, setLoop] = useState(true);
  const [projection, setProjection] = useState<Projection>('frame');
  const frameRef = useRef(frame);
  frameRef.current = frame;

  // Advance at the chosen rate while playing; stop at the end unless looping.
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

  const n = entry?.frames ?? 0;
  return {
    frame,
    frameRef,
    projection,
    setProjection,
    playing,
    setPlaying,
    fps,
    setFps,
    loop,
    setLoop,
    showFrame: (k) => (setProjection('frame'), setFrame(k)),
    step: (by) => (setProjection('frame'), setFrame((f) => (f + by + n) % n)),
    togglePlay: () => (setProjection('frame'), setPlaying((p) => !p)),
    project: (p) => (setPlaying(false), setProjection(p)),
    rewind: () => (setFrame(0), setProjection('frame')),
  };
}
