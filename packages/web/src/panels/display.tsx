// The display panel: the window (level and width, in the sequence's values), automatic and stored windows, and
// the view's fit and 1:1 zoom.
import type { Display } from '../hooks/useDisplay.js';
import type { CurrentRef } from '../hooks/useSequenceData.js';
import type { Renderers } from '../renderer.js';

export function DisplayPanel({ display, renderers }: { display: Display; renderers: CurrentRef<Renderers> }) {
  const { lo, hi } = display;
  const oneToOne = () => {
    const main = renderers.current.main;
    main?.zoomAt(main.canvas.clientWidth / 2, main.canvas.clientHeight / 2, 1 / main.view.zoom);
  };
  return (
    <section>
      <h3>Display</h3>
      <label class="row">
        Level{' '}
        <input
          type="range"
          min={lo}
          max={hi}
          value={display.level}
          onInput={(e) => display.setLevel(Number(e.currentTarget.value))}
          data-testid="level"
        />
        <span class="num" data-testid="level-value">
          {display.shownValue(display.level)}
        </span>
      </label>
      <label class="row">
        Width{' '}
        <input
          type="range"
          min={1}
          max={Math.max(2, 2 * (hi - lo))}
          value={display.width}
          onInput={(e) => display.setWidth(Number(e.currentTarget.value))}
          data-testid="width"
        />
        <span class="num" data-testid="width-value">
          {display.shownValue(display.width, 0)}
        </span>
      </label>
      <div class="row">
        <button onClick={display.auto}>Auto</button>
        <button
          onClick={() => display.reset(display.encoding)}
          title="As stored (8-bit), or the sequence's whole range"
        >
          Reset
        </button>
        <button onClick={() => renderers.current.main?.fit()} title="Fit to screen (f, double-click)">
          Fit
        </button>
        <button onClick={oneToOne}>1:1</button>
      </div>
    </section>
  );
}
