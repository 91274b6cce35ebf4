// A colour chip beside a control or in a legend.
import type { Rgba } from '../overlays.js';

export function Swatch({ color }: { color: Rgba | string }) {
  const background = typeof color === 'string' ? color : `rgb(${color[0]},${color[1]},${color[2]})`;
  return <span class="swatch" style={{ background }} />;
}
