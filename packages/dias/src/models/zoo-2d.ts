// The 2d architectures of the zoo; registry.ts lists these.
import type { ModelSpec } from './model-spec.js';
import { unetSpec } from './unet.js';
import { attUnetSpec } from './att-unet.js';
import { csnetSpec } from './csnet.js';
import { unetNestedSpec } from './unet-nested.js';
import { resUnetSpec } from './res-unet.js';
import { maaNetSpec } from './maa-net.js';
import { unetCctSpec } from './unet-cct.js';
import { unetDpSpec } from './unet-dp.js';

// The last two are the official weak-supervision backbones (DMPLS and SSCR).
export const MODELS_2D: ModelSpec[] = [
  unetSpec,
  attUnetSpec,
  csnetSpec,
  unetNestedSpec,
  maaNetSpec,
  resUnetSpec,
  unetCctSpec,
  unetDpSpec,
];
