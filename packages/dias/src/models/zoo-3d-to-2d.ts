// The 3d-to-2d architectures of the zoo; registry.ts lists these.
import type { ModelSpec } from './model-spec.js';
import { ipnSpec } from './ipn.js';
import { pscSpec } from './psc.js';
import { svsNetSpec } from './svs-net.js';
import { qsUNetSpec } from './qs-unet.js';
import { stUNetSpec } from './st-unet.js';

export const MODELS_3D_TO_2D: ModelSpec[] = [ipnSpec, pscSpec, svsNetSpec, qsUNetSpec, stUNetSpec];
