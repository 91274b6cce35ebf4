// The 2d architectures of the zoo; registry.ts lists these.
import type { ModelSpec } from './model-spec.js';
import { unetSpec } from './unet.js';
import { attUnetSpec } from './att-unet.js';
import { csnetSpec } from './csnet.js';
import { unetNestedSpec } from './unet-nested.js';
import { resUnetSpec } from './res-unet.js';
import { maaNetSpec } from './maa-net.js';

export const MODELS_2D: ModelSpec[] = [unetSpec, attUnetSpec, csnetSpec, unetNestedSpec, maaNetSpec, resUnetSpec];
