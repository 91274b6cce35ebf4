// The model that ships with the package (issue 19): a small FR-UNet trained on the `dias` synthetic preset, used by
// `dias segment` and the viewer when no run is given. Its weights and training card live in
// packages/dias/models/default/ (model.safetensors, CARD.md, card.json); this finds that folder from the sources
// (src/predict/) and from the build (dist/src/predict/) alike, by looking upwards from this file.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_MODEL_FILE = 'model.safetensors';

/** The folder of the shipped default model, or null when this installation has none. */
export function defaultModelDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'models', 'default');
    if (existsSync(join(candidate, DEFAULT_MODEL_FILE))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The shipped default model's weights file; throws with what to do when the installation has none. */
export function defaultModelWeights(): string {
  const dir = defaultModelDir();
  if (!dir)
    throw new Error(
      'this installation has no default model (models/default/model.safetensors): give --run RUN or --weights FILE',
    );
  return join(dir, DEFAULT_MODEL_FILE);
}
