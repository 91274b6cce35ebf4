// VSS-Net and FR-UNet (they share the FR-UNet decoder blocks) of the zoo; registry.ts lists these.
import type { ModelSpec } from './model-spec.js';
import { vssNetAllSpec, vssNetSpec } from './vss-net.js';
import { frUNetSpec } from './fr-unet.js';

export const MODELS_SEQUENCE: ModelSpec[] = [vssNetSpec, vssNetAllSpec, frUNetSpec];
