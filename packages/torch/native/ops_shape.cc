// Shape, indexing and joining ops.
#include "handle.h"

namespace dias {

DIAS_FN(reshape) { return wrap(info.Env(), unwrap(info[0]).reshape(intList(info[1]))); }
DIAS_FN(view) { return wrap(info.Env(), unwrap(info[0]).view(intList(info[1]))); }
DIAS_FN(permute) { return wrap(info.Env(), unwrap(info[0]).permute(intList(info[1]))); }
DIAS_FN(transpose) { return wrap(info.Env(), unwrap(info[0]).transpose(toInt(info[1]), toInt(info[2]))); }
DIAS_FN(unsqueeze) { return wrap(info.Env(), unwrap(info[0]).unsqueeze(toInt(info[1]))); }
DIAS_FN(squeeze) {
  at::Tensor& t = unwrap(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return wrap(info.Env(), t.squeeze());
  return wrap(info.Env(), t.squeeze(toInt(info[1])));
}
DIAS_FN(flatten) { return wrap(info.Env(), unwrap(info[0]).flatten(toInt(info[1]), toInt(info[2]))); }
DIAS_FN(expand) { return wrap(info.Env(), unwrap(info[0]).expand(intList(info[1]))); }
DIAS_FN(narrow) { return wrap(info.Env(), unwrap(info[0]).narrow(toInt(info[1]), toInt(info[2]), toInt(info[3]))); }
// slice(t, dim, start|null, end|null, step)
DIAS_FN(slice) {
  return wrap(info.Env(), unwrap(info[0]).slice(toInt(info[1]), optionalInt(info[2]), optionalInt(info[3]), toInt(info[4])));
}
DIAS_FN(select) { return wrap(info.Env(), unwrap(info[0]).select(toInt(info[1]), toInt(info[2]))); }
DIAS_FN(indexSelect) { return wrap(info.Env(), at::index_select(unwrap(info[0]), toInt(info[1]), unwrap(info[2]))); }
DIAS_FN(gather) { return wrap(info.Env(), at::gather(unwrap(info[0]), toInt(info[1]), unwrap(info[2]))); }
DIAS_FN(scatter) {
  if (isHandle(info[3])) return wrap(info.Env(), at::scatter(unwrap(info[0]), toInt(info[1]), unwrap(info[2]), unwrap(info[3])));
  return wrap(info.Env(), at::scatter(unwrap(info[0]), toInt(info[1]), unwrap(info[2]), toScalar(info[3])));
}
DIAS_FN(scatterAdd) {
  return wrap(info.Env(), at::scatter_add(unwrap(info[0]), toInt(info[1]), unwrap(info[2]), unwrap(info[3])));
}
DIAS_FN(maskedSelect) { return wrap(info.Env(), at::masked_select(unwrap(info[0]), unwrap(info[1]))); }
DIAS_FN(maskedFill) {
  if (isHandle(info[2])) return wrap(info.Env(), at::masked_fill(unwrap(info[0]), unwrap(info[1]), unwrap(info[2])));
  return wrap(info.Env(), at::masked_fill(unwrap(info[0]), unwrap(info[1]), toScalar(info[2])));
}
// index(t, [index tensors or null]): advanced indexing t[i0, i1, ...], null meaning a full slice.
DIAS_FN(index) {
  auto array = info[1].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> indices;
  for (uint32_t i = 0; i < array.Length(); ++i) indices.push_back(optionalTensor(array.Get(i)));
  return wrap(info.Env(), at::index(unwrap(info[0]), indices));
}
DIAS_FN(indexPut) {
  auto array = info[1].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> indices;
  for (uint32_t i = 0; i < array.Length(); ++i) indices.push_back(optionalTensor(array.Get(i)));
  return wrap(info.Env(), at::index_put(unwrap(info[0]), indices, unwrap(info[2]), toBool(info[3])));
}
DIAS_FN(cat) { return wrap(info.Env(), at::cat(tensorList(info[0]), toInt(info[1]))); }
DIAS_FN(stack) { return wrap(info.Env(), at::stack(tensorList(info[0]), toInt(info[1]))); }
// split(t, sizeOrSizes, dim): a number splits into equal chunks of that size, an array into those sizes.
DIAS_FN(split) {
  at::Tensor& t = unwrap(info[0]);
  if (info[1].IsArray()) return wrapList(info.Env(), t.split_with_sizes(intList(info[1]), toInt(info[2])));
  return wrapList(info.Env(), t.split(toInt(info[1]), toInt(info[2])));
}
DIAS_FN(chunk) { return wrapList(info.Env(), unwrap(info[0]).chunk(toInt(info[1]), toInt(info[2]))); }
DIAS_FN(unbind) { return wrapList(info.Env(), unwrap(info[0]).unbind(toInt(info[1]))); }
DIAS_FN(flip) { return wrap(info.Env(), unwrap(info[0]).flip(intList(info[1]))); }
DIAS_FN(rot90) { return wrap(info.Env(), unwrap(info[0]).rot90(toInt(info[1]), intList(info[2]))); }
DIAS_FN(roll) { return wrap(info.Env(), unwrap(info[0]).roll(intList(info[1]), intList(info[2]))); }
DIAS_FN(repeat) { return wrap(info.Env(), unwrap(info[0]).repeat(intList(info[1]))); }
DIAS_FN(repeatInterleave) {
  return wrap(info.Env(), at::repeat_interleave(unwrap(info[0]), toInt(info[1]), optionalInt(info[2])));
}
DIAS_FN(tril) { return wrap(info.Env(), at::tril(unwrap(info[0]), toInt(info[1]))); }
DIAS_FN(triu) { return wrap(info.Env(), at::triu(unwrap(info[0]), toInt(info[1]))); }
// pad(t, pads, mode, value): pads as torch.nn.functional.pad (last dimension first); mode constant, reflect,
// replicate or circular.
DIAS_FN(pad) {
  at::Tensor& t = unwrap(info[0]);
  auto pads = intList(info[1]);
  std::string mode = toString(info[2]);
  if (mode == "constant") return wrap(info.Env(), at::constant_pad_nd(t, pads, info[3].IsUndefined() ? at::Scalar(0) : toScalar(info[3])));
  size_t spatial = pads.size() / 2;
  if (mode == "reflect") {
    if (spatial == 1) return wrap(info.Env(), at::reflection_pad1d(t, pads));
    if (spatial == 2) return wrap(info.Env(), at::reflection_pad2d(t, pads));
    if (spatial == 3) return wrap(info.Env(), at::reflection_pad3d(t, pads));
  } else if (mode == "replicate") {
    if (spatial == 1) return wrap(info.Env(), at::replication_pad1d(t, pads));
    if (spatial == 2) return wrap(info.Env(), at::replication_pad2d(t, pads));
    if (spatial == 3) return wrap(info.Env(), at::replication_pad3d(t, pads));
  } else if (mode == "circular") {
    return wrap(info.Env(), at::_pad_circular(t, pads));
  } else {
    throw std::invalid_argument("unknown pad mode '" + mode + "'");
  }
  throw std::invalid_argument("pad mode '" + mode + "' supports 1 to 3 padded dimensions, got " + std::to_string(spatial));
}
DIAS_FN(oneHot) { return wrap(info.Env(), at::one_hot(unwrap(info[0]), toInt(info[1]))); }

void registerShape(Napi::Env env, Napi::Object exports) {
  DIAS_EXPORT(exports, reshape);
  DIAS_EXPORT(exports, view);
  DIAS_EXPORT(exports, permute);
  DIAS_EXPORT(exports, transpose);
  DIAS_EXPORT(exports, unsqueeze);
  DIAS_EXPORT(exports, squeeze);
  DIAS_EXPORT(exports, flatten);
  DIAS_EXPORT(exports, expand);
  DIAS_EXPORT(exports, narrow);
  DIAS_EXPORT(exports, slice);
  DIAS_EXPORT(exports, select);
  DIAS_EXPORT(exports, indexSelect);
  DIAS_EXPORT(exports, gather);
  DIAS_EXPORT(exports, scatter);
  DIAS_EXPORT(exports, scatterAdd);
  DIAS_EXPORT(exports, maskedSelect);
  DIAS_EXPORT(exports, maskedFill);
  DIAS_EXPORT(exports, index);
  DIAS_EXPORT(exports, indexPut);
  DIAS_EXPORT(exports, cat);
  DIAS_EXPORT(exports, stack);
  DIAS_EXPORT(exports, split);
  DIAS_EXPORT(exports, chunk);
  DIAS_EXPORT(exports, unbind);
  DIAS_EXPORT(exports, flip);
  DIAS_EXPORT(exports, rot90);
  DIAS_EXPORT(exports, roll);
  DIAS_EXPORT(exports, repeat);
  DIAS_EXPORT(exports, repeatInterleave);
  DIAS_EXPORT(exports, tril);
  DIAS_EXPORT(exports, triu);
  DIAS_EXPORT(exports, pad);
  DIAS_EXPORT(exports, oneHot);
}

}  // namespace dias
