// The dataset's sequences by split, filtered by id or split name, each with its size and what it has: a label
// (L), the annotator's scribbles (S), stored predictions (P).
import { useState } from 'preact/hooks';
import type { SequenceEntry } from '../api.js';

function SequenceItem({ s, active, open }: { s: SequenceEntry; active: boolean; open: (id: string) => void }) {
  return (
    <li class={active ? 'active' : ''} onClick={() => open(s.id)} data-testid={`sequence-${s.id}`}>
      <span class="id">{s.id}</span>
      <span class="meta">
        {s.frames}f · {s.width}×{s.height}
      </span>
      <span class="badges">
        {s.label && <b title="label">L</b>}
        {s.scribble && (
          <b title="scribbles" class="s">
            S
          </b>
        )}
        {s.predictions.length > 0 && (
          <b title={`predictions: ${s.predictions.join(', ')}`} class="p">
            P
          </b>
        )}
      </span>
    </li>
  );
}

export function SequenceList(props: {
  sequences: SequenceEntry[];
  selected: string | null;
  open: (id: string) => void;
}) {
  const [filter, setFilter] = useState('');
  const shown = props.sequences.filter((s) => !filter || s.id.includes(filter) || (s.split ?? '').includes(filter));
  const splits = [...new Set(shown.map((s) => s.split))];
  return (
    <aside class="sequences">
      <input
        type="search"
        placeholder="Filter sequences"
        value={filter}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      {splits.map((split) => (
        <div key={split ?? '-'}>
          <h4>{split ?? 'sequences'}</h4>
          <ul>
            {shown
              .filter((s) => s.split === split)
              .map((s) => (
                <SequenceItem key={s.id} s={s} active={s.id === props.selected} open={props.open} />
              ))}
          </ul>
        </div>
      ))}
    </aside>
  );
}
