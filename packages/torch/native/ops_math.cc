// Elementwise math, comparisons, reductions, sorting and linear algebra. Ops of one shape share a table so the
// JavaScript side calls `unary("exp", t)` and the addon stays small; the math itself is libtorch's.
#include "handle.h"

#include <functional>
#include <unordered_map>

namespace dias {

namespace {

using Unary = std::function<at::Tensor(const at::Tensor&)>;
using Binary = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
using BinaryScalar = std::function<at::Tensor(const at::Tensor&, const at::Scalar&)>;

const std::unordered_map<std::string, Unary>& unaryOps() {
  static const std::unordered_map<std::string, Unary> ops = {
      {"neg", [](const at::Tensor& a) { return at::neg(a); }},
      {"exp", [](const at::Tensor& a) { return at::exp(a); }},
      {"expm1", [](const at::Tensor& a) { return at::expm1(a); }},
      {"log", [](const at::Tensor& a) { return at::log(a); }},
      {"log1p", [](const at::Tensor& a) { return at::log1p(a); }},
      {"log2", [](const at::Tensor& a) { return at::log2(a); }},
      {"log10", [](const at::Tensor& a) { return at::log10(a); }},
      {"sqrt", [](const at::Tensor& a) { return at::sqrt(a); }},
      {"rsqrt", [](const at::Tensor& a) { return at::rsqrt(a); }},
      {"abs", [](const at::Tensor& a) { return at::abs(a); }},
      {"sign", [](const at::Tensor& a) { return at::sign(a); }},
      {"sin", [](const at::Tensor& a) { return at::sin(a); }},
      {"cos", [](const at::Tensor& a) { return at::cos(a); }},
      {"tan", [](const at::Tensor& a) { return at::tan(a); }},
      {"atan", [](const at::Tensor& a) { return at::atan(a); }},
      {"tanh", [](const at::Tensor& a) { return at::tanh(a); }},
      {"sigmoid", [](const at::Tensor& a) { return at::sigmoid(a); }},
      {"relu", [](const at::Tensor& a) { return at::relu(a); }},
      {"relu6", [](const at::Tensor& a) { return at::hardtanh(a, 0, 6); }},
      {"silu", [](const at::Tensor& a) { return at::silu(a); }},
      {"softplus", [](const at::Tensor& a) { return at::softplus(a); }},
      {"erf", [](const at::Tensor& a) { return at::erf(a); }},
      {"floor", [](const at::Tensor& a) { return at::floor(a); }},
      {"ceil", [](const at::Tensor& a) { return at::ceil(a); }},
      {"round", [](const at::Tensor& a) { return at::round(a); }},
      {"trunc", [](const at::Tensor& a) { return at::trunc(a); }},
      {"frac", [](const at::Tensor& a) { return at::frac(a); }},
      {"reciprocal", [](const at::Tensor& a) { return at::reciprocal(a); }},
      {"square", [](const at::Tensor& a) { return at::square(a); }},
      {"logicalNot", [](const at::Tensor& a) { return at::logical_not(a); }},
      {"bitwiseNot", [](const at::Tensor& a) { return at::bitwise_not(a); }},
      {"isnan", [](const at::Tensor& a) { return at::isnan(a); }},
      {"isinf", [](const at::Tensor& a) { return at::isinf(a); }},
      {"isfinite", [](const at::Tensor& a) { return at::isfinite(a); }},
      {"nonzero", [](const at::Tensor& a) { return at::nonzero(a); }},
      {"flattenAll", [](const at::Tensor& a) { return a.flatten(); }},
  };
  return ops;
}

const std::unordered_map<std::string, Binary>& binaryOps() {
  static const std::unordered_map<std::string, Binary> ops = {
      {"add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
      {"sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
      {"mul", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
      {"div", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
      {"floorDivide", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }},
      {"remainder", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
      {"fmod", [](const at::Tensor& a, const at::Tensor& b) { return at::fmod(a, b); }},
      {"pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
      {"atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }},
      {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"eq", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
      {"ne", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
      {"lt", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
      {"le", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
      {"gt", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
      {"ge", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
      {"logicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
      {"logicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
      {"logicalXor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }},
      {"bitwiseAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::bitwise_and(a, b); }},
      {"bitwiseOr", [](const at::Tensor& a, const at::Tensor& b) { return at::bitwise_or(a, b); }},
      {"matmul", [](const at::Tensor& a, const at::Tensor& b) { return at::matmul(a, b); }},
      {"mm", [](const at::Tensor& a, const at::Tensor& b) { return at::mm(a, b); }},
      {"bmm", [](const at::Tensor& a, const at::Tensor& b) { return at::bmm(a, b); }},
      {"dot", [](const at::Tensor& a, const at::Tensor& b) { return at::dot(a, b); }},
      {"outer", [](const at::Tensor& a, const at::Tensor& b) { return at::outer(a, b); }},
      {"equal", [](const at::Tensor& a, const at::Tensor& b) { return at::scalar_tensor(at::equal(a, b), at::kBool); }},
  };
  return ops;
}

// A 0-d tensor holding b in b's own type (double, int64 or bool) on a's device.
at::Tensor scalarTensor(const at::Scalar& b, const at::Tensor& a) {
  return at::scalar_tensor(b, at::TensorOptions().dtype(b.type()).device(a.device()));
}

const std::unordered_map<std::string, BinaryScalar>& binaryScalarOps() {
  static const std::unordered_map<std::string, BinaryScalar> ops = {
      {"add", [](const at::Tensor& a, const at::Scalar& b) { return at::add(a, b); }},
      {"sub", [](const at::Tensor& a, const at::Scalar& b) { return at::sub(a, b); }},
      {"mul", [](const at::Tensor& a, const at::Scalar& b) { return at::mul(a, b); }},
      {"div", [](const at::Tensor& a, const at::Scalar& b) { return at::div(a, b); }},
      {"floorDivide", [](const at::Tensor& a, const at::Scalar& b) { return at::div(a, b, "floor"); }},
      {"remainder", [](const at::Tensor& a, const at::Scalar& b) { return at::remainder(a, b); }},
      {"fmod", [](const at::Tensor& a, const at::Scalar& b) { return at::fmod(a, b); }},
      {"pow", [](const at::Tensor& a, const at::Scalar& b) { return at::pow(a, b); }},
      {"rpow", [](const at::Tensor& a, const at::Scalar& b) { return at::pow(b, a); }},
      {"rsub", [](const at::Tensor& a, const at::Scalar& b) { return at::rsub(a, b); }},
      {"rdiv", [](const at::Tensor& a, const at::Scalar& b) { return at::mul(at::reciprocal(a), b); }},
      {"maximum", [](const at::Tensor& a, const at::Scalar& b) { return at::clamp_min(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Scalar& b) { return at::clamp_max(a, b); }},
      {"eq", [](const at::Tensor& a, const at::Scalar& b) { return at::eq(a, b); }},
      {"ne", [](const at::Tensor& a, const at::Scalar& b) { return at::ne(a, b); }},
      {"lt", [](const at::Tensor& a, const at::Scalar& b) { return at::lt(a, b); }},
      {"le", [](const at::Tensor& a, const at::Scalar& b) { return at::le(a, b); }},
      {"gt", [](const at::Tensor& a, const at::Scalar& b) { return at::gt(a, b); }},
      {"ge", [](const at::Tensor& a, const at::Scalar& b) { return at::ge(a, b); }},
      // The scalar keeps its own type: cast to a's dtype first, 0.5 would become 0 (false) for an integer tensor.
      {"logicalAnd", [](const at::Tensor& a, const at::Scalar& b) { return at::logical_and(a, scalarTensor(b, a)); }},
      {"logicalOr", [](const at::Tensor& a, const at::Scalar& b) { return at::logical_or(a, scalarTensor(b, a)); }},
      {"bitwiseAnd", [](const at::Tensor& a, const at::Scalar& b) { return at::bitwise_and(a, b); }},
      {"bitwiseOr", [](const at::Tensor& a, const at::Scalar& b) { return at::bitwise_or(a, b); }},
  };
  return ops;
}

template <typename Map>
const typename Map::mapped_type& lookup(const Map& map, const std::string& name, const char* family) {
  auto it = map.find(name);
  if (it == map.end()) throw std::invalid_argument(std::string("unknown ") + family + " op '" + name + "'");
  return it->second;
}

at::IntArrayRef dimsOrAll(const c10::optional<std::vector<int64_t>>& dims, std::vector<int64_t>& storage, int64_t ndim) {
  if (dims) return *dims;
  storage.resize(ndim);
  for (int64_t i = 0; i < ndim; ++i) storage[i] = i;
  return storage;
}

}  // namespace

DIAS_FN(unary) {
  const auto& op = lookup(unaryOps(), toString(info[0]), "unary");
  return wrap(info.Env(), op(unwrap(info[1])));
}

// binary(op, a, b): b is a Tensor or a number.
DIAS_FN(binary) {
  std::string name = toString(info[0]);
  const at::Tensor& a = unwrap(info[1], "the first operand");
  if (isHandle(info[2])) return wrap(info.Env(), lookup(binaryOps(), name, "binary")(a, unwrap(info[2])));
  return wrap(info.Env(), lookup(binaryScalarOps(), name, "binary")(a, toScalar(info[2])));
}

// In-place updates (optimizers, initialisers): inplace(op, target, other, alpha/value).
DIAS_FN(inplace) {
  std::string op = toString(info[0]);
  at::Tensor& t = unwrap(info[1], "the target");
  bool otherIsTensor = info.Length() > 2 && isHandle(info[2]);
  if (op == "add_") {
    if (otherIsTensor) t.add_(unwrap(info[2]), info[3].IsUndefined() ? at::Scalar(1) : toScalar(info[3]));
    else t.add_(toScalar(info[2]));
  } else if (op == "sub_") {
    if (otherIsTensor) t.sub_(unwrap(info[2]), info[3].IsUndefined() ? at::Scalar(1) : toScalar(info[3]));
    else t.sub_(toScalar(info[2]));
  } else if (op == "mul_") {
    if (otherIsTensor) t.mul_(unwrap(info[2])); else t.mul_(toScalar(info[2]));
  } else if (op == "div_") {
    if (otherIsTensor) t.div_(unwrap(info[2])); else t.div_(toScalar(info[2]));
  } else if (op == "copy_") {
    t.copy_(unwrap(info[2]));
  } else if (op == "fill_") {
    t.fill_(toScalar(info[2]));
  } else if (op == "zero_") {
    t.zero_();
  } else if (op == "clamp_") {
    t.clamp_(info[2].IsNull() || info[2].IsUndefined() ? c10::optional<at::Scalar>() : toScalar(info[2]),
             info[3].IsNull() || info[3].IsUndefined() ? c10::optional<at::Scalar>() : toScalar(info[3]));
  } else if (op == "sqrt_") {
    t.sqrt_();
  } else if (op == "addcmul_") {
    t.addcmul_(unwrap(info[2]), unwrap(info[3]), toScalar(info[4]));
  } else if (op == "addcdiv_") {
    t.addcdiv_(unwrap(info[2]), unwrap(info[3]), toScalar(info[4]));
  } else if (op == "lerp_") {
    t.lerp_(unwrap(info[2]), toScalar(info[3]));
  } else if (op == "maximum_") {
    at::maximum_out(t, t, unwrap(info[2]));
  } else if (op == "maskedFill_") {
    t.masked_fill_(unwrap(info[2]), toScalar(info[3]));
  } else if (op == "relu_") {
    t.relu_();
  } else if (op == "leakyRelu_") {
    at::leaky_relu_(t, toScalar(info[2]));
  } else {
    throw std::invalid_argument("unknown in-place op '" + op + "'");
  }
  return info.Env().Undefined();
}

// reduce(op, t, dims|null, keepdim, extra): sum, mean, prod, amax, amin, std, var, logsumexp, norm, any, all,
// countNonzero. `extra` is the correction for std/var and p for norm.
DIAS_FN(reduce) {
  std::string op = toString(info[0]);
  const at::Tensor& t = unwrap(info[1]);
  auto dims = optionalIntList(info[2]);
  bool keepdim = toBool(info[3]);
  std::vector<int64_t> storage;
  at::IntArrayRef d = dimsOrAll(dims, storage, t.dim());
  at::Tensor out;
  if (op == "sum") out = dims ? at::sum(t, d, keepdim) : (keepdim ? at::sum(t, d, true) : at::sum(t));
  else if (op == "mean") out = dims ? at::mean(t, d, keepdim) : (keepdim ? at::mean(t, d, true) : at::mean(t));
  else if (op == "prod") {
    if (!dims) out = keepdim ? at::prod(t.flatten(), 0).reshape(std::vector<int64_t>(t.dim(), 1)) : at::prod(t);
    else {
      out = t;
      std::vector<int64_t> sorted(dims->begin(), dims->end());
      for (auto& x : sorted) x = x < 0 ? x + t.dim() : x;
      std::sort(sorted.rbegin(), sorted.rend());
      for (auto x : sorted) out = at::prod(out, x, keepdim);
    }
  } else if (op == "amax") out = at::amax(t, d, keepdim);
  else if (op == "amin") out = at::amin(t, d, keepdim);
  else if (op == "std" || op == "var") {
    c10::optional<int64_t> correction = info[4].IsUndefined() ? c10::optional<int64_t>(1) : optionalInt(info[4]);
    at::OptionalIntArrayRef od = dims ? at::OptionalIntArrayRef(*dims) : at::OptionalIntArrayRef();
    out = op == "std" ? at::std(t, od, correction, keepdim) : at::var(t, od, correction, keepdim);
  } else if (op == "logsumexp") out = at::logsumexp(t, d, keepdim);
  else if (op == "norm") {
    double p = info[4].IsUndefined() ? 2.0 : toDouble(info[4]);
    out = at::linalg_vector_norm(t, p, dims ? at::OptionalIntArrayRef(*dims) : at::OptionalIntArrayRef(), keepdim);
  } else if (op == "any" || op == "all") {
    out = t;
    if (!dims) {
      out = op == "any" ? at::any(t) : at::all(t);
      if (keepdim) out = out.reshape(std::vector<int64_t>(t.dim(), 1));
    } else {
      std::vector<int64_t> sorted(dims->begin(), dims->end());
      for (auto& x : sorted) x = x < 0 ? x + t.dim() : x;
      std::sort(sorted.rbegin(), sorted.rend());
      for (auto x : sorted) out = op == "any" ? at::any(out, x, keepdim) : at::all(out, x, keepdim);
    }
  } else if (op == "countNonzero") out = at::count_nonzero(t, d);
  else throw std::invalid_argument("unknown reduction '" + op + "'");
  return wrap(info.Env(), out);
}

// maxDim / minDim(t, dim, keepdim) -> [values, indices]
DIAS_FN(maxDim) {
  auto r = at::max(unwrap(info[0]), toInt(info[1]), toBool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DIAS_FN(minDim) {
  auto r = at::min(unwrap(info[0]), toInt(info[1]), toBool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DIAS_FN(argmax) {
  return wrap(info.Env(), at::argmax(unwrap(info[0]), optionalInt(info[1]), toBool(info[2])));
}
DIAS_FN(argmin) {
  return wrap(info.Env(), at::argmin(unwrap(info[0]), optionalInt(info[1]), toBool(info[2])));
}
DIAS_FN(topk) {
  auto r = at::topk(unwrap(info[0]), toInt(info[1]), toInt(info[2]), toBool(info[3]), toBool(info[4]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DIAS_FN(sort) {
  auto r = at::sort(unwrap(info[0]), toBool(info[3]), toInt(info[1]), toBool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DIAS_FN(argsort) {
  return wrap(info.Env(), std::get<1>(at::sort(unwrap(info[0]), toBool(info[3]), toInt(info[1]), toBool(info[2]))));
}
DIAS_FN(cumsum) { return wrap(info.Env(), at::cumsum(unwrap(info[0]), toInt(info[1]))); }
DIAS_FN(cumprod) { return wrap(info.Env(), at::cumprod(unwrap(info[0]), toInt(info[1]))); }
DIAS_FN(unique) {
  auto r = at::_unique2(unwrap(info[0]), true, false, toBool(info[1]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<2>(r)});
}

DIAS_FN(clamp) {
  c10::optional<at::Scalar> lo, hi;
  if (!info[1].IsNull() && !info[1].IsUndefined()) lo = toScalar(info[1]);
  if (!info[2].IsNull() && !info[2].IsUndefined()) hi = toScalar(info[2]);
  return wrap(info.Env(), at::clamp(unwrap(info[0]), lo, hi));
}
DIAS_FN(where) {
  const at::Tensor& cond = unwrap(info[0], "the condition");
  if (isHandle(info[1]) && isHandle(info[2])) return wrap(info.Env(), at::where(cond, unwrap(info[1]), unwrap(info[2])));
  if (isHandle(info[1])) return wrap(info.Env(), at::where(cond, unwrap(info[1]), toScalar(info[2])));
  if (isHandle(info[2])) return wrap(info.Env(), at::where(cond, toScalar(info[1]), unwrap(info[2])));
  return wrap(info.Env(), at::where(cond, toScalar(info[1]), toScalar(info[2])));
}
DIAS_FN(lerp) {
  if (isHandle(info[2])) return wrap(info.Env(), at::lerp(unwrap(info[0]), unwrap(info[1]), unwrap(info[2])));
  return wrap(info.Env(), at::lerp(unwrap(info[0]), unwrap(info[1]), toScalar(info[2])));
}
DIAS_FN(addcmul) {
  return wrap(info.Env(), at::addcmul(unwrap(info[0]), unwrap(info[1]), unwrap(info[2]), toScalar(info[3])));
}
DIAS_FN(einsum) { return wrap(info.Env(), at::einsum(toString(info[0]), tensorList(info[1]))); }
DIAS_FN(allclose) {
  return Napi::Boolean::New(info.Env(), at::allclose(unwrap(info[0]), unwrap(info[1]), toDouble(info[2]), toDouble(info[3])));
}

void registerMath(Napi::Env env, Napi::Object exports) {
  DIAS_EXPORT(exports, unary);
  DIAS_EXPORT(exports, binary);
  DIAS_EXPORT(exports, inplace);
  DIAS_EXPORT(exports, reduce);
  DIAS_EXPORT(exports, maxDim);
  DIAS_EXPORT(exports, minDim);
  DIAS_EXPORT(exports, argmax);
  DIAS_EXPORT(exports, argmin);
  DIAS_EXPORT(exports, topk);
  DIAS_EXPORT(exports, sort);
  DIAS_EXPORT(exports, argsort);
  DIAS_EXPORT(exports, cumsum);
  DIAS_EXPORT(exports, cumprod);
  DIAS_EXPORT(exports, unique);
  DIAS_EXPORT(exports, clamp);
  DIAS_EXPORT(exports, where);
  DIAS_EXPORT(exports, lerp);
  DIAS_EXPORT(exports, addcmul);
  DIAS_EXPORT(exports, einsum);
  DIAS_EXPORT(exports, allclose);
}

}  // namespace dias
