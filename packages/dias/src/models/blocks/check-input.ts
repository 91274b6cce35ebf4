// The input check every model's forward starts with. It lives here rather than being imported from registry.ts so
// that a model file can be imported on its own: registry.ts imports the zoo lists, which import the model files,
// and a model file importing registry.ts first would read its own spec before it exists.
import type { Tensor } from '@dias-ts/torch';
import type { ModelOptions, ModelSpec } from '../model-spec.js';

/** Throws, naming the model, the size and the rule, when x is not an input the model takes (registry.ts re-exports it as checkModelInput). */
export function checkInput(spec: ModelSpec, options: ModelOptions, x: Tensor): void {
  const shape = x.shape;
  const want = spec.kind === '2d' ? 4 : 5;
  const layout = spec.kind === '2d' ? '[batch, frames, height, width]' : '[batch, channels, frames, height, width]';
  if (shape.length !== want)
    throw new Error(`${spec.name} takes a ${want}-D input ${layout}, got [${shape.join(', ')}]`);
  const frames = spec.kind === '2d' ? shape[1] : shape[2];
  const wantFrames = spec.frames(options);
  if (wantFrames !== 'any' && frames !== wantFrames) {
    throw new Error(`${spec.name} is built for ${wantFrames} frames, got ${frames}`);
  }
  const [h, w] = shape.slice(-2);
  if (h % spec.sizeMultiple !== 0 || w % spec.sizeMultiple !== 0) {
    throw new Error(`${spec.name} needs height and width that are multiples of ${spec.sizeMultiple}, got ${h}x${w}`);
  }
}
