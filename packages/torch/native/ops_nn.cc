// Neural-network functionals: convolution, pooling, normalisation, activations, resampling, dropout, losses.
#include "handle.h"

namespace dias {

namespace {
int64_t reduction(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return at::Reduction::Mean;
  std::string r = toString(value);
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw std::invalid_argument("reduction must be 'mean', 'sum' or 'none', got '" + r + "'");
}
}  // namespace

// conv(input, weight, bias, stride, padding, dilation, groups): padding is a list or 'same'/'valid'; the
// spatial rank (1, 2, 3) comes from the weight.
DIAS_FN(conv) {
  const at::Tensor& input = unwrap(info[0], "input");
  const at::Tensor& weight = unwrap(info[1], "weight");
  auto bias = optionalTensor(info[2]);
  auto stride = intList(info[3]);
  auto dilation = intList(info[5]);
  int64_t groups = toInt(info[6]);
  int64_t rank = weight.dim() - 2;
  if (info[4].IsString()) {
    std::string padding = toString(info[4]);
    if (rank == 1) return wrap(info.Env(), at::conv1d(input, weight, bias, stride, padding, dilation, groups));
    if (rank == 2) return wrap(info.Env(), at::conv2d(input, weight, bias, stride, padding, dilation, groups));
    return wrap(info.Env(), at::conv3d(input, weight, bias, stride, padding, dilation, groups));
  }
  auto padding = intList(info[4]);
  if (rank == 1) return wrap(info.Env(), at::conv1d(input, weight, bias, stride, padding, dilation, groups));
  if (rank == 2) return wrap(info.Env(), at::conv2d(input, weight, bias, stride, padding, dilation, groups));
  if (rank == 3) return wrap(info.Env(), at::conv3d(input, weight, bias, stride, padding, dilation, groups));
  throw std::invalid_argument("weight must have 3, 4 or 5 dimensions, got " + std::to_string(weight.dim()));
}

// convTranspose(input, weight, bias, stride, padding, outputPadding, groups, dilation)
DIAS_FN(convTranspose) {
  const at::Tensor& input = unwrap(info[0], "input");
  const at::Tensor& weight = unwrap(info[1], "weight");
  auto bias = optionalTensor(info[2]);
  auto stride = intList(info[3]);
  auto padding = intList(info[4]);
  auto outputPadding = intList(info[5]);
  int64_t groups = toInt(info[6]);
  auto dilation = intList(info[7]);
  int64_t rank = weight.dim() - 2;
  if (rank == 1) return wrap(info.Env(), at::conv_transpose1d(input, weight, bias, stride, padding, outputPadding, groups, dilation));
  if (rank == 2) return wrap(info.Env(), at::conv_transpose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation));
  if (rank == 3) return wrap(info.Env(), at::conv_transpose3d(input, weight, bias, stride, padding, outputPadding, groups, dilation));
  throw std::invalid_argument("weight must have 3, 4 or 5 dimensions, got " + std::to_string(weight.dim()));
}

DIAS_FN(linear) { return wrap(info.Env(), at::linear(unwrap(info[0]), unwrap(info[1]), optionalTensor(info[2]))); }

// maxPool(input, kernel, stride, padding, dilation, ceilMode, returnIndices); rank from the kernel length.
DIAS_FN(maxPool) {
  const at::Tensor& input = unwrap(info[0], "input");
  auto kernel = intList(info[1]);
  auto stride = intList(info[2]);
  auto padding = intList(info[3]);
  auto dilation = intList(info[4]);
  bool ceil = toBool(info[5]);
  bool indices = toBool(info[6]);
  if (kernel.size() == 1) {
    if (indices) {
      auto r = at::max_pool1d_with_indices(input, kernel, stride, padding, dilation, ceil);
      return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
    }
    return wrap(info.Env(), at::max_pool1d(input, kernel, stride, padding, dilation, ceil));
  }
  if (kernel.size() == 2) {
    if (indices) {
      auto r = at::max_pool2d_with_indices(input, kernel, stride, padding, dilation, ceil);
      return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
    }
    return wrap(info.Env(), at::max_pool2d(input, kernel, stride, padding, dilation, ceil));
  }
  if (indices) {
    auto r = at::max_pool3d_with_indices(input, kernel, stride, padding, dilation, ceil);
    return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
  }
  return wrap(info.Env(), at::max_pool3d(input, kernel, stride, padding, dilation, ceil));
}

// avgPool(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)
DIAS_FN(avgPool) {
  const at::Tensor& input = unwrap(info[0], "input");
  auto kernel = intList(info[1]);
  auto stride = intList(info[2]);
  auto padding = intList(info[3]);
  bool ceil = toBool(info[4]);
  bool countIncludePad = toBool(info[5]);
  auto divisor = optionalInt(info[6]);
  if (kernel.size() == 1) return wrap(info.Env(), at::avg_pool1d(input, kernel, stride, padding, ceil, countIncludePad));
  if (kernel.size() == 2) return wrap(info.Env(), at::avg_pool2d(input, kernel, stride, padding, ceil, countIncludePad, divisor));
  return wrap(info.Env(), at::avg_pool3d(input, kernel, stride, padding, ceil, countIncludePad, divisor));
}

// adaptivePool(kind 'adaptiveAvgPool'|'adaptiveMaxPool', input, outputSize)
DIAS_FN(adaptivePool) {
  std::string kind = toString(info[0]);
  const at::Tensor& input = unwrap(info[1], "input");
  auto size = intList(info[2]);
  if (kind == "adaptiveAvgPool") {
    if (size.size() == 1) return wrap(info.Env(), at::adaptive_avg_pool1d(input, size));
    if (size.size() == 2) return wrap(info.Env(), at::adaptive_avg_pool2d(input, size));
    return wrap(info.Env(), at::adaptive_avg_pool3d(input, size));
  }
  if (size.size() == 1) return wrap(info.Env(), std::get<0>(at::adaptive_max_pool1d(input, size)));
  if (size.size() == 2) return wrap(info.Env(), std::get<0>(at::adaptive_max_pool2d(input, size)));
  return wrap(info.Env(), std::get<0>(at::adaptive_max_pool3d(input, size)));
}

// batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps): running stats are updated
// in place when training, as torch.nn.functional.batch_norm does.
DIAS_FN(batchNorm) {
  return wrap(info.Env(), at::batch_norm(unwrap(info[0]), optionalTensor(info[3]), optionalTensor(info[4]),
                                         optionalTensor(info[1]), optionalTensor(info[2]), toBool(info[5]),
                                         toDouble(info[6]), toDouble(info[7]), true));
}
// instanceNorm(input, runningMean, runningVar, weight, bias, useInputStats, momentum, eps)
DIAS_FN(instanceNorm) {
  return wrap(info.Env(), at::instance_norm(unwrap(info[0]), optionalTensor(info[3]), optionalTensor(info[4]),
                                            optionalTensor(info[1]), optionalTensor(info[2]), toBool(info[5]),
                                            toDouble(info[6]), toDouble(info[7]), true));
}
// groupNorm(input, numGroups, weight, bias, eps)
DIAS_FN(groupNorm) {
  return wrap(info.Env(), at::group_norm(unwrap(info[0]), toInt(info[1]), optionalTensor(info[2]),
                                         optionalTensor(info[3]), toDouble(info[4]), true));
}
// layerNorm(input, normalizedShape, weight, bias, eps)
DIAS_FN(layerNorm) {
  return wrap(info.Env(), at::layer_norm(unwrap(info[0]), intList(info[1]), optionalTensor(info[2]),
                                         optionalTensor(info[3]), toDouble(info[4]), true));
}

DIAS_FN(leakyRelu) { return wrap(info.Env(), at::leaky_relu(unwrap(info[0]), toScalar(info[1]))); }
DIAS_FN(elu) { return wrap(info.Env(), at::elu(unwrap(info[0]), toScalar(info[1]))); }
DIAS_FN(gelu) { return wrap(info.Env(), at::gelu(unwrap(info[0]), toString(info[1]))); }
DIAS_FN(hardtanh) { return wrap(info.Env(), at::hardtanh(unwrap(info[0]), toScalar(info[1]), toScalar(info[2]))); }
DIAS_FN(prelu) { return wrap(info.Env(), at::prelu(unwrap(info[0]), unwrap(info[1]))); }
DIAS_FN(softmax) {
  c10::optional<at::ScalarType> dtype;
  if (!info[2].IsUndefined() && !info[2].IsNull()) dtype = toDtype(info[2]);
  return wrap(info.Env(), at::softmax(unwrap(info[0]), toInt(info[1]), dtype));
}
DIAS_FN(logSoftmax) {
  c10::optional<at::ScalarType> dtype;
  if (!info[2].IsUndefined() && !info[2].IsNull()) dtype = toDtype(info[2]);
  return wrap(info.Env(), at::log_softmax(unwrap(info[0]), toInt(info[1]), dtype));
}

// dropout(input, p, training, kind 'element'|'feature'|'alpha')
DIAS_FN(dropout) {
  std::string kind = toString(info[3]);
  const at::Tensor& input = unwrap(info[0]);
  double p = toDouble(info[1]);
  bool training = toBool(info[2]);
  if (p < 0.0 || p > 1.0) throw std::invalid_argument("dropout probability must be in [0, 1], got " + std::to_string(p));
  if (kind == "feature") return wrap(info.Env(), at::feature_dropout(input, p, training));
  if (kind == "alpha") return wrap(info.Env(), at::alpha_dropout(input, p, training));
  return wrap(info.Env(), at::dropout(input, p, training));
}

// interpolate(input, size|null, scaleFactor|null, mode, alignCorners): torch.nn.functional.interpolate with
// recompute_scale_factor=None, i.e. a given scale factor is passed on to the kernel as PyTorch does.
DIAS_FN(interpolate) {
  const at::Tensor& input = unwrap(info[0], "input");
  auto size = optionalIntList(info[1]);
  auto scales = optionalDoubleList(info[2]);
  std::string mode = toString(info[3]);
  bool alignCorners = toBool(info[4]);
  int64_t spatial = input.dim() - 2;
  if (spatial < 1 || spatial > 3) throw std::invalid_argument("interpolate needs a 3-D, 4-D or 5-D input");
  if (size && static_cast<int64_t>(size->size()) == 1 && spatial > 1) size = std::vector<int64_t>(spatial, (*size)[0]);
  if (scales && static_cast<int64_t>(scales->size()) == 1 && spatial > 1) scales = std::vector<double>(spatial, (*scales)[0]);
  if ((size && static_cast<int64_t>(size->size()) != spatial) || (scales && static_cast<int64_t>(scales->size()) != spatial)) {
    throw std::invalid_argument("size/scale_factor must have one entry per spatial dimension (" + std::to_string(spatial) + ")");
  }
  if (!size && !scales) throw std::invalid_argument("either size or scale_factor must be given");
  at::OptionalIntArrayRef outSize = size ? at::OptionalIntArrayRef(*size) : at::OptionalIntArrayRef();
  c10::optional<at::ArrayRef<double>> scaleRef;
  if (!size && scales) scaleRef = at::ArrayRef<double>(*scales);
  if (mode == "nearest") {
    if (spatial == 1) return wrap(info.Env(), at::upsample_nearest1d(input, outSize, scaleRef));
    if (spatial == 2) return wrap(info.Env(), at::upsample_nearest2d(input, outSize, scaleRef));
    return wrap(info.Env(), at::upsample_nearest3d(input, outSize, scaleRef));
  }
  if (mode == "nearest-exact") {
    if (spatial == 1) return wrap(info.Env(), at::_upsample_nearest_exact1d(input, outSize, scaleRef));
    if (spatial == 2) return wrap(info.Env(), at::_upsample_nearest_exact2d(input, outSize, scaleRef));
    return wrap(info.Env(), at::_upsample_nearest_exact3d(input, outSize, scaleRef));
  }
  if (mode == "linear" && spatial == 1) return wrap(info.Env(), at::upsample_linear1d(input, outSize, alignCorners, scaleRef));
  if (mode == "bilinear" && spatial == 2) return wrap(info.Env(), at::upsample_bilinear2d(input, outSize, alignCorners, scaleRef));
  if (mode == "bicubic" && spatial == 2) return wrap(info.Env(), at::upsample_bicubic2d(input, outSize, alignCorners, scaleRef));
  if (mode == "trilinear" && spatial == 3) return wrap(info.Env(), at::upsample_trilinear3d(input, outSize, alignCorners, scaleRef));
  if (mode == "area") {
    std::vector<int64_t> out(spatial);
    for (int64_t i = 0; i < spatial; ++i) {
      out[i] = size ? (*size)[i] : static_cast<int64_t>(std::floor(input.size(i + 2) * (*scales)[i]));
    }
    if (spatial == 1) return wrap(info.Env(), at::adaptive_avg_pool1d(input, out));
    if (spatial == 2) return wrap(info.Env(), at::adaptive_avg_pool2d(input, out));
    return wrap(info.Env(), at::adaptive_avg_pool3d(input, out));
  }
  throw std::invalid_argument("mode '" + mode + "' does not apply to a " + std::to_string(input.dim()) + "-D input");
}

// crossEntropy(input, target, weight, reduction, ignoreIndex, labelSmoothing)
DIAS_FN(crossEntropy) {
  return wrap(info.Env(), at::cross_entropy_loss(unwrap(info[0], "input"), unwrap(info[1], "target"), optionalTensor(info[2]),
                                                 reduction(info[3]), toInt(info[4]), toDouble(info[5])));
}
// nllLoss(input, target, weight, reduction, ignoreIndex)
DIAS_FN(nllLoss) {
  return wrap(info.Env(), at::nll_loss_nd(unwrap(info[0], "input"), unwrap(info[1], "target"), optionalTensor(info[2]),
                                          reduction(info[3]), toInt(info[4])));
}
DIAS_FN(mseLoss) { return wrap(info.Env(), at::mse_loss(unwrap(info[0]), unwrap(info[1]), reduction(info[2]))); }
DIAS_FN(l1Loss) { return wrap(info.Env(), at::l1_loss(unwrap(info[0]), unwrap(info[1]), reduction(info[2]))); }
DIAS_FN(smoothL1Loss) {
  return wrap(info.Env(), at::smooth_l1_loss(unwrap(info[0]), unwrap(info[1]), reduction(info[2]), toDouble(info[3])));
}
// bceWithLogits(input, target, weight, posWeight, reduction)
DIAS_FN(bceWithLogits) {
  return wrap(info.Env(), at::binary_cross_entropy_with_logits(unwrap(info[0]), unwrap(info[1]), optionalTensor(info[2]),
                                                               optionalTensor(info[3]), reduction(info[4])));
}
DIAS_FN(bce) {
  return wrap(info.Env(), at::binary_cross_entropy(unwrap(info[0]), unwrap(info[1]), optionalTensor(info[2]), reduction(info[3])));
}

void registerNN(Napi::Env env, Napi::Object exports) {
  DIAS_EXPORT(exports, conv);
  DIAS_EXPORT(exports, convTranspose);
  DIAS_EXPORT(exports, linear);
  DIAS_EXPORT(exports, maxPool);
  DIAS_EXPORT(exports, avgPool);
  DIAS_EXPORT(exports, adaptivePool);
  DIAS_EXPORT(exports, batchNorm);
  DIAS_EXPORT(exports, instanceNorm);
  DIAS_EXPORT(exports, groupNorm);
  DIAS_EXPORT(exports, layerNorm);
  DIAS_EXPORT(exports, leakyRelu);
  DIAS_EXPORT(exports, elu);
  DIAS_EXPORT(exports, gelu);
  DIAS_EXPORT(exports, hardtanh);
  DIAS_EXPORT(exports, prelu);
  DIAS_EXPORT(exports, softmax);
  DIAS_EXPORT(exports, logSoftmax);
  DIAS_EXPORT(exports, dropout);
  DIAS_EXPORT(exports, interpolate);
  DIAS_EXPORT(exports, crossEntropy);
  DIAS_EXPORT(exports, nllLoss);
  DIAS_EXPORT(exports, mseLoss);
  DIAS_EXPORT(exports, l1Loss);
  DIAS_EXPORT(exports, smoothL1Loss);
  DIAS_EXPORT(exports, bceWithLogits);
  DIAS_EXPORT(exports, bce);
}

}  // namespace dias
