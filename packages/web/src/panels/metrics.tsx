// The metrics panel: the open sequence's scores against its label for the shown run (GET
// /api/sequences/ID/metrics, once the run's probability is in), and the run's own validation and test scores.
import { useEffect, useState } from 'preact/hooks';
import { api, type RunEntry, type SequenceEntry, type SequenceMetrics } from '../api.js';

export function MetricsPanel(props: {
  entry: SequenceEntry | null;
  run: string;
  runEntry: RunEntry | undefined;
  /** The run's probability of the open sequence and its label, once loaded (the scores wait for both). */
  prob: Uint8Array | null | undefined;
  label: Uint8Array | null | undefined;
  sequence: string | null;
}) {
  const { sequence, run, prob, label } = props;
  const [metrics, setMetrics] = useState<SequenceMetrics | null>(null);
  useEffect(() => {
    setMetrics(null);
    if (!sequence || !run || !prob || !label) return;
    let current = true;
    api.metrics(sequence, run).then(
      (m) => current && setMetrics(m),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [sequence, run, prob, label]);

  return (
    <section>
      <h3>Metrics</h3>
      {metrics ? (
        <table class="metrics" data-testid="metrics">
          {Object.entries(metrics.metrics).map(([k, v]) => (
            <tr>
              <td>{k}</td>
              <td>{v === null ? '–' : v.toFixed(3)}</td>
            </tr>
          ))}
        </table>
      ) : (
        <div class="hint">
          {props.entry?.label ? 'segment this sequence to compare with its label' : 'no label for this sequence'}
        </div>
      )}
      {props.runEntry?.metrics &&
        Object.entries(props.runEntry.metrics).map(([split, m]) => (
          <div class="hint">
            run {run} on {split}: DSC {m.DSC?.toFixed(3) ?? '–'} · clDice {m.clDice?.toFixed(3) ?? '–'}
          </div>
        ))}
    </section>
  );
}
