// The 3d architectures of the zoo; registry.ts lists these.
import type { ModelSpec } from './model-spec.js';
import { unet3dSpec } from './unet-3d.js';
import { frUnet3dSpec } from './fr-unet-3d.js';
import { csnet3dSpec } from './csnet-3d.js';
import { attUnet3dSpec } from './att-unet-3d.js';
import { resUnet3dSpec } from './res-unet-3d.js';
import { unetNested3dSpec } from './unet-nested-3d.js';

export const MODELS_3D: ModelSpec[] = [
  unet3dSpec,
  frUnet3dSpec,
  csnet3dSpec,
  attUnet3dSpec,
  resUnet3dSpec,
  unetNested3dSpec,
];
