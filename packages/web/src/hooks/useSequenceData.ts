// The server's view of the dataset (GET /api/info and /api/datastore) and the open sequence: which one is
// selected, and its SequenceData (frames, label, scribbles, probabilities), loaded anew when another sequence or
// another subtraction is chosen. The big arrays stay in the SequenceData; state here is only what the page shows.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, setAnnotatorSet, type SequenceEntry, type ServerInfo } from '../api.js';
import type { Renderers } from '../renderer.js';
import { SequenceData } from '../sequence-data.js';

/** A useRef result (preact/hooks does not export its type). */
export interface CurrentRef<T> {
  current: T;
}

/** What the rest of the page does when the sequence data changes; called from effects, after the render. */
export interface SequenceEvents {
  /** The server's info arrived (each refresh). */
  onInfo: (info: ServerInfo) => void;
  /**
   * Frames start loading: of a newly opened sequence, or (`same`) of the open one with another subtraction, which
   * keeps its scribbles, label and view. Returns the frame to load first.
   */
  onLoad: (same: boolean) => number;
  /** The first frame is in: how the frames are stored is known. */
  onFirstFrame: (encoding: SequenceData['encoding']) => void;
}

export interface SequenceState {
  info: ServerInfo | null;
  sequences: SequenceEntry[];
  error: string | null;
  setError: (error: string | null) => void;
  /** Reads the server's info and the sequence list again. */
  refresh: () => Promise<void>;
  selected: string | null;
  entry: SequenceEntry | null;
  /** Opens a sequence, after asking whether to drop unsaved scribbles. */
  open: (id: string) => void;
  /** '' (as stored), 'auto' or a mask frame: the server's subtraction of an unsubtracted cine. */
  subtract: string;
  setSubtract: (subtract: string) => void;
  data: CurrentRef<SequenceData | null>;
  /** Counts frame arrivals (and the end of loading) of the open sequence. */
  loaded: number;
  /** Bumped when the label or a prediction of the open sequence arrives. */
  dataVersion: number;
  bumpData: () => void;
  /** Bumped when the scribbles change. */
  scribbleVersion: number;
  bumpScribble: () => void;
}

export function useSequenceData(renderers: CurrentRef<Renderers>, events: SequenceEvents): SequenceState {
  const on = useRef(events);
  on.current = events;
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [sequences, setSequences] = useState<SequenceEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [subtract, setSubtract] = useState('');
  const data = useRef<SequenceData | null>(null);
  const [loaded, setLoaded] = useState(0);
  const [dataVersion, setDataVersion] = useState(0);
  const [scribbleVersion, setScribbleVersion] = useState(0);

  const entry = sequences.find((s) => s.id === selected) ?? null;
  const refresh = useCallback(async () => {
    try {
      const [i, s] = await Promise.all([api.info(), api.datastore()]);
      if (i.dataset.annotatorSet) setAnnotatorSet(i.dataset.annotatorSet);
      setInfo(i);
      setSequences(s);
      on.current.onInfo(i);
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
    const first = on.current.onLoad(same);
    setLoaded(0);
    const fail = (e: unknown) => {
      if (d.closed) return;
      setError((e as Error).message);
      if (subtract) setSubtract('');
    };
    void d
      .loadFrames(first, () => {
        if (d.closed) return;
        if (d.loadedFrames === 1) on.current.onFirstFrame(d.encoding);
        setLoaded((n) => n + 1);
      })
      .then(() => !d.closed && setLoaded((n) => n + 1), fail);
    if (same) {
      d.scribble = previous.scribble;
      d.label = previous.label;
      d.labelAv = previous.labelAv;
      for (const [run, p] of previous.predictions) d.predictions.set(run, p);
      return;
    }
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

  return {
    info,
    sequences,
    error,
    setError,
    refresh,
    selected,
    entry,
    open,
    subtract,
    setSubtract,
    data,
    loaded,
    dataVersion,
    bumpData: () => setDataVersion((v) => v + 1),
    scribbleVersion,
    bumpScribble: () => setScribbleVersion((v) => v + 1),
  };
}
