// torch.nn.functional in one namespace: `import { F } from '@dias-ts/torch'`.
export * from './activation.js';
export * from './convolution.js';
export * from './joining.js';
export * from './loss.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './resampling.js';
