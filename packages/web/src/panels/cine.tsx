// The cine bar under the image: play/pause, the frame slider and number, the rate, looping, the frame/MinIP/mean
// choice, the mask subtraction of an unsubtracted cine, and how many frames are still loading.
import type { SequenceEntry } from '../api.js';
import { SPEEDS, type Cine, type Projection } from '../hooks/useCine.js';

const PROJECTIONS: [Projection, string][] = [
  ['frame', 'Cine'],
  ['minip', 'MinIP'],
  ['mean', 'Mean'],
];

function SubtractSelect(props: { entry: SequenceEntry; subtract: string; setSubtract: (s: string) => void }) {
  return (
    <select
      value={props.subtract}
      onChange={(e) => props.setSubtract(e.currentTarget.value)}
      title="An unsubtracted cine made DSA: log-domain subtraction of a mask frame"
      data-testid="subtract"
    >
      <option value="">as stored</option>
      <option value="auto">subtract: auto mask</option>
      {Array.from({ length: props.entry.frames }, (_, k) => (
        <option value={String(k)}>subtract frame {k + 1}</option>
      ))}
    </select>
  );
}

export function CineBar(props: {
  cine: Cine;
  entry: SequenceEntry | null;
  loaded: number;
  subtract: string;
  setSubtract: (s: string) => void;
}) {
  const { cine, entry, loaded } = props;
  const { frame, projection } = cine;
  return (
    <div class="cine">
      <button class="play" onClick={cine.togglePlay} title="Play / pause (space)" data-testid="play">
        {cine.playing ? '❚❚' : '▶'}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, (entry?.frames ?? 1) - 1)}
        value={frame}
        onInput={(e) => cine.showFrame(Number(e.currentTarget.value))}
        data-testid="frame-slider"
      />
      <span class="frame-no" data-testid="frame-number">
        {projection === 'frame' ? `${frame + 1} / ${entry?.frames ?? 0}` : projection === 'minip' ? 'MinIP' : 'mean'}
      </span>
      <select value={cine.fps} onChange={(e) => cine.setFps(Number(e.currentTarget.value))} title="Frames per second">
        {SPEEDS.map((s) => (
          <option value={s}>{s} fps</option>
        ))}
      </select>
      <label>
        <input type="checkbox" checked={cine.loop} onChange={(e) => cine.setLoop(e.currentTarget.checked)} /> loop
      </label>
      <span class="seg">
        {PROJECTIONS.map(([p, text]) => (
          <button class={projection === p ? 'on' : ''} onClick={() => cine.project(p)} data-testid={`projection-${p}`}>
            {text}
          </button>
        ))}
      </span>
      {entry && entry.split === null && (
        <SubtractSelect entry={entry} subtract={props.subtract} setSubtract={props.setSubtract} />
      )}
      <span class="muted">{entry && loaded < entry.frames ? `loading ${loaded}/${entry.frames}` : ''}</span>
    </div>
  );
}
