// torch.nn: the Module base, layers by family, and the initialisers (as `init`, like torch.nn.init).
export { Module } from './module.js';
export type { FactoryOptions } from './options.js';
export * as init from './init.js';
export { Identity, Linear, type LinearOptions } from './linear.js';
export {
  ConvNd,
  Conv,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  type ConvLayerOptions,
  type ConvTransposeLayerOptions,
  type PaddingMode,
} from './conv.js';
export { NormBase, BatchNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d, type NormOptions } from './batchnorm.js';
export { InstanceNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d } from './instancenorm.js';
export { GroupNorm, LayerNorm, type LayerNormOptions } from './normalization.js';
export { DropoutBase, Dropout, Dropout2d, Dropout3d } from './dropout.js';
export { ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, type InplaceOption } from './activation.js';
export {
  MaxPoolNd,
  MaxPool2d,
  MaxPool3d,
  AvgPoolNd,
  AvgPool2d,
  AvgPool3d,
  AdaptivePoolNd,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  type AdaptiveSize,
} from './pooling.js';
export { Upsample, type UpsampleOptions } from './upsampling.js';
export { Flatten } from './flatten.js';
export { Sequential, ModuleList, ModuleDict, type Layer } from './container.js';
