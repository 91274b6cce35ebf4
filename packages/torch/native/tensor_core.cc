// Tensor life: creation, conversion to and from typed arrays, properties, autograd, random numbers, threads,
// CUDA and autocast.
#include "handle.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <memory>
#include <vector>

namespace dias {

namespace {

at::TensorOptions options(const Napi::Value& dtype, const Napi::Value& device) {
  return at::TensorOptions().dtype(toDtype(dtype)).device(toDevice(device));
}

at::Tensor withGrad(at::Tensor t, const Napi::Value& requiresGrad) {
  if (toBool(requiresGrad)) t.requires_grad_(true);
  return t;
}

// The element type a typed array holds, as a torch dtype.
at::ScalarType typedArrayDtype(napi_typedarray_type type) {
  switch (type) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_int16_array: return at::kShort;
    case napi_int8_array: return at::kChar;
    case napi_uint8_array:
    case napi_uint8_clamped_array: return at::kByte;
    case napi_bigint64_array: return at::kLong;
    case napi_uint16_array: return at::kHalf;  // raw half bits; bfloat16 is chosen by the dtype argument
    default: throw std::invalid_argument("unsupported typed array type");
  }
}

// Per thread, as libtorch's modes are: a worker thread has its own stack.
std::vector<std::unique_ptr<c10::InferenceMode>>& inferenceGuards() {
  thread_local std::vector<std::unique_ptr<c10::InferenceMode>> guards;
  return guards;
}

}  // namespace

// fromTypedArray(array, shape, dtype?) copies the array into a new CPU tensor of the array's element type, then
// converts to dtype when one is given (Uint16Array with dtype float16/bfloat16 is taken as raw bits).
DIAS_FN(fromTypedArray) {
  auto array = info[0].As<Napi::TypedArray>();
  auto shape = intList(info[1]);
  at::ScalarType storedAs = typedArrayDtype(array.TypedArrayType());
  c10::optional<at::ScalarType> wanted;
  if (!info[2].IsUndefined() && !info[2].IsNull()) wanted = toDtype(info[2]);
  if (storedAs == at::kHalf && wanted && *wanted == at::kBFloat16) storedAs = at::kBFloat16;
  if (storedAs == at::kByte && wanted && *wanted == at::kBool) storedAs = at::kBool;
  int64_t numel = 1;
  for (auto d : shape) numel *= d;
  if (numel != static_cast<int64_t>(array.ElementLength())) {
    throw std::invalid_argument("shape holds " + std::to_string(numel) + " elements but the array has " +
                                std::to_string(array.ElementLength()));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(storedAs));
  auto* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (numel > 0) std::memcpy(t.data_ptr(), data, numel * t.element_size());
  if (wanted && *wanted != storedAs) t = t.to(*wanted);
  return wrap(info.Env(), t);
}

// toTypedArray(t): a copy of the tensor's elements (row-major) in a new typed array of the matching type;
// float16/bfloat16 come back as Float32Array, bool as Uint8Array.
DIAS_FN(toTypedArray) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrap(info[0]).detach();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  t = t.to(at::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
  size_t n = t.numel();
  switch (t.scalar_type()) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buffer, 0);
    case at::kDouble: return Napi::Float64Array::New(env, n, buffer, 0);
    case at::kInt: return Napi::Int32Array::New(env, n, buffer, 0);
    case at::kShort: return Napi::Int16Array::New(env, n, buffer, 0);
    case at::kChar: return Napi::Int8Array::New(env, n, buffer, 0);
    case at::kByte:
    case at::kBool: return Napi::Uint8Array::New(env, n, buffer, 0);
    case at::kLong: return Napi::BigInt64Array::New(env, n, buffer, 0);
    default: throw std::invalid_argument("toTypedArray: unsupported dtype");
  }
}

// rawBytes(t): the tensor's bytes as stored (little-endian on every platform libtorch supports here), for
// serialization without a float conversion.
DIAS_FN(rawBytes) {
  at::Tensor t = unwrap(info[0]).detach().to(at::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buffer = Napi::Buffer<uint8_t>::Copy(info.Env(), static_cast<uint8_t*>(t.data_ptr()), bytes);
  return buffer;
}

// fromBytes(buffer, byteOffset, shape, dtype): a tensor from raw little-endian bytes.
DIAS_FN(fromBytes) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw std::invalid_argument("fromBytes needs a Uint8Array");
  }
  auto array = info[0].As<Napi::Uint8Array>();
  int64_t start = toInt(info[1]);
  auto shape = intList(info[2]);
  at::ScalarType dtype = toDtype(info[3]);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t bytes = t.numel() * t.element_size();
  // Checked without overflow: a negative or huge offset must not wrap around into a read outside the buffer.
  size_t offset = static_cast<size_t>(start);
  if (start < 0 || offset > array.ByteLength() || bytes > array.ByteLength() - offset) {
    throw std::invalid_argument(std::to_string(bytes) + " bytes from offset " + std::to_string(start) + " lie outside the buffer of " +
                                std::to_string(array.ByteLength()) + " bytes");
  }
  if (bytes > 0) std::memcpy(t.data_ptr(), array.Data() + offset, bytes);
  // A file's bool byte may be any value; a C++ bool other than 0 or 1 is undefined behaviour, so normalise.
  if (dtype == at::kBool) t = t.view(at::kByte).ne(0);
  return wrap(info.Env(), t);
}

DIAS_FN(item) {
  at::Tensor& t = unwrap(info[0]);
  if (t.numel() != 1) throw std::invalid_argument("item() needs a tensor with one element, got " + std::to_string(t.numel()));
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(s.toLong()));
  return Napi::Number::New(info.Env(), s.toDouble());
}

DIAS_FN(shape) {
  at::Tensor& t = unwrap(info[0]);
  auto sizes = t.sizes();
  auto array = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) array.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(sizes[i])));
  return array;
}

DIAS_FN(strides) {
  at::Tensor& t = unwrap(info[0]);
  auto s = t.strides();
  auto array = Napi::Array::New(info.Env(), s.size());
  for (size_t i = 0; i < s.size(); ++i) array.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(s[i])));
  return array;
}

DIAS_FN(dtype) { return Napi::String::New(info.Env(), dtypeName(unwrap(info[0]).scalar_type())); }
DIAS_FN(device) { return Napi::String::New(info.Env(), deviceName(unwrap(info[0]).device())); }
DIAS_FN(numel) { return Napi::Number::New(info.Env(), static_cast<double>(unwrap(info[0]).numel())); }
DIAS_FN(isContiguous) { return Napi::Boolean::New(info.Env(), unwrap(info[0]).is_contiguous()); }
DIAS_FN(dataPtr) { return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(unwrap(info[0]).data_ptr()))); }

DIAS_FN(empty) { return wrap(info.Env(), withGrad(at::empty(intList(info[0]), options(info[1], info[2])), info[3])); }
DIAS_FN(zeros) { return wrap(info.Env(), withGrad(at::zeros(intList(info[0]), options(info[1], info[2])), info[3])); }
DIAS_FN(ones) { return wrap(info.Env(), withGrad(at::ones(intList(info[0]), options(info[1], info[2])), info[3])); }
DIAS_FN(full) {
  return wrap(info.Env(), withGrad(at::full(intList(info[0]), toScalar(info[1]), options(info[2], info[3])), info[4]));
}
DIAS_FN(arange) {
  return wrap(info.Env(), withGrad(at::arange(toScalar(info[0]), toScalar(info[1]), toScalar(info[2]), options(info[3], info[4])), info[5]));
}
DIAS_FN(linspace) {
  return wrap(info.Env(), withGrad(at::linspace(toScalar(info[0]), toScalar(info[1]), toInt(info[2]), options(info[3], info[4])), info[5]));
}
DIAS_FN(eye) {
  return wrap(info.Env(), withGrad(at::eye(toInt(info[0]), toInt(info[1]), options(info[2], info[3])), info[4]));
}
DIAS_FN(rand) {
  return wrap(info.Env(), withGrad(at::rand(intList(info[0]), toGenerator(info[3]), options(info[1], info[2])), info[4]));
}
DIAS_FN(randn) {
  return wrap(info.Env(), withGrad(at::randn(intList(info[0]), toGenerator(info[3]), options(info[1], info[2])), info[4]));
}
DIAS_FN(randint) {
  return wrap(info.Env(), at::randint(toInt(info[0]), toInt(info[1]), intList(info[2]), toGenerator(info[5]), options(info[3], info[4])));
}
DIAS_FN(randperm) {
  return wrap(info.Env(), at::randperm(toInt(info[0]), toGenerator(info[3]), options(info[1], info[2])));
}
// In-place random fills used by initialisers; they never record autograd history.
DIAS_FN(uniform_) {
  at::NoGradGuard noGrad;
  unwrap(info[0]).uniform_(toDouble(info[1]), toDouble(info[2]), toGenerator(info[3]));
  return info.Env().Undefined();
}
DIAS_FN(normal_) {
  at::NoGradGuard noGrad;
  unwrap(info[0]).normal_(toDouble(info[1]), toDouble(info[2]), toGenerator(info[3]));
  return info.Env().Undefined();
}
DIAS_FN(bernoulli) { return wrap(info.Env(), at::bernoulli(unwrap(info[0]), toGenerator(info[1]))); }
DIAS_FN(multinomial) {
  return wrap(info.Env(), at::multinomial(unwrap(info[0]), toInt(info[1]), toBool(info[2]), toGenerator(info[3])));
}
DIAS_FN(manualSeed) {
  uint64_t seed = static_cast<uint64_t>(toInt(info[0]));
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(seed);
  }
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
  return info.Env().Undefined();
}
DIAS_FN(defaultGenerator) { return wrapGenerator(info.Env(), at::detail::getDefaultCPUGenerator()); }

DIAS_FN(to) {
  at::Tensor& t = unwrap(info[0]);
  at::Device device = info[1].IsUndefined() || info[1].IsNull() ? t.device() : toDevice(info[1]);
  at::ScalarType dtype = info[2].IsUndefined() || info[2].IsNull() ? t.scalar_type() : toDtype(info[2]);
  return wrap(info.Env(), t.to(device, dtype, toBool(info[3]), toBool(info[4])));
}
DIAS_FN(contiguous) { return wrap(info.Env(), unwrap(info[0]).contiguous()); }
DIAS_FN(clone) { return wrap(info.Env(), unwrap(info[0]).clone()); }
DIAS_FN(detach) { return wrap(info.Env(), unwrap(info[0]).detach()); }
// setData(t, source): t now refers to source's data (shape, dtype, device), keeping its own identity and
// autograd flags, as PyTorch's `param.data = ...` does when a module moves.
DIAS_FN(setData) {
  at::Tensor& t = unwrap(info[0]);
  t.set_data(unwrap(info[1]));
  return info.Env().Undefined();
}
DIAS_FN(alias) { return wrap(info.Env(), unwrap(info[0])); }

// ---- autograd ----
DIAS_FN(requiresGrad) { return Napi::Boolean::New(info.Env(), unwrap(info[0]).requires_grad()); }
DIAS_FN(setRequiresGrad) {
  unwrap(info[0]).requires_grad_(toBool(info[1]));
  return info.Env().Undefined();
}
DIAS_FN(isLeaf) { return Napi::Boolean::New(info.Env(), unwrap(info[0]).is_leaf()); }
DIAS_FN(retainGrad) {
  unwrap(info[0]).retain_grad();
  return info.Env().Undefined();
}
DIAS_FN(grad) {
  const at::Tensor& g = unwrap(info[0]).grad();
  if (!g.defined()) return info.Env().Null();
  return wrap(info.Env(), g);
}
DIAS_FN(setGrad) {
  at::Tensor& t = unwrap(info[0]);
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad() = at::Tensor();
  } else {
    t.mutable_grad() = unwrap(info[1]);
  }
  return info.Env().Undefined();
}
DIAS_FN(gradFnName) {
  const auto& fn = unwrap(info[0]).grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}
DIAS_FN(backward) {
  at::Tensor& t = unwrap(info[0]);
  auto gradient = optionalTensor(info[1]);
  c10::optional<bool> retainGraph;
  if (!info[2].IsUndefined() && !info[2].IsNull()) retainGraph = toBool(info[2]);
  t.backward(gradient.value_or(at::Tensor()), retainGraph, toBool(info[3]));
  return info.Env().Undefined();
}
// autogradGrad(outputs, inputs, gradOutputs?, retainGraph, createGraph, allowUnused): torch.autograd.grad.
DIAS_FN(autogradGrad) {
  auto outputs = tensorList(info[0]);
  auto inputs = tensorList(info[1]);
  std::vector<at::Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = tensorList(info[2]);
  c10::optional<bool> retainGraph;
  if (!info[3].IsUndefined() && !info[3].IsNull()) retainGraph = toBool(info[3]);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retainGraph, toBool(info[4]), toBool(info[5]));
  auto array = Napi::Array::New(info.Env(), grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    array.Set(static_cast<uint32_t>(i), grads[i].defined() ? wrap(info.Env(), grads[i]) : info.Env().Null());
  }
  return array;
}
DIAS_FN(setGradEnabled) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(toBool(info[0]));
  return Napi::Boolean::New(info.Env(), previous);
}
DIAS_FN(isGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }
DIAS_FN(enterInferenceMode) {
  inferenceGuards().push_back(std::make_unique<c10::InferenceMode>(true));
  return Napi::Number::New(info.Env(), static_cast<double>(inferenceGuards().size()));
}
DIAS_FN(exitInferenceMode) {
  if (!inferenceGuards().empty()) inferenceGuards().pop_back();
  return Napi::Number::New(info.Env(), static_cast<double>(inferenceGuards().size()));
}
DIAS_FN(isInferenceMode) { return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled()); }
DIAS_FN(isInference) { return Napi::Boolean::New(info.Env(), unwrap(info[0]).is_inference()); }

// ---- runtime ----
DIAS_FN(setNumThreads) {
  at::set_num_threads(static_cast<int>(toInt(info[0])));
  return info.Env().Undefined();
}
DIAS_FN(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
DIAS_FN(runtimeInfo) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("version", TORCH_VERSION);
  out.Set("cudaBuilt", Napi::Boolean::New(env, DIAS_WITH_CUDA != 0));
  out.Set("cudaAvailable", Napi::Boolean::New(env, torch::cuda::is_available()));
  out.Set("cudaDeviceCount", Napi::Number::New(env, static_cast<double>(torch::cuda::device_count())));
  out.Set("cudnnAvailable", Napi::Boolean::New(env, torch::cuda::cudnn_is_available()));
  out.Set("mkldnn", Napi::Boolean::New(env, at::hasMKLDNN()));
  out.Set("openmp", Napi::Boolean::New(env, at::hasOpenMP()));
  out.Set("threads", Napi::Number::New(env, at::get_num_threads()));
  out.Set("interopThreads", Napi::Number::New(env, at::get_num_interop_threads()));
  out.Set("parallelInfo", at::get_parallel_info());
  out.Set("config", at::show_config());
  return out;
}
// heapInUse: bytes the C heap and the caching allocator of large tensors have handed out and not had back; unlike
// the resident set it does not move with fragmentation or with freed memory kept for reuse, so a leak shows in it
// alone (null where the C library cannot tell). reportedToGc: the bytes V8 counts as held by JavaScript objects (tensors left to the GC).
DIAS_FN(memoryInfo) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 stats = mallinfo2();
  // Large tensors live in the caching allocator's own mappings (cpu_allocator.cc), which mallinfo2 does not see.
  out.Set("heapInUse",
          Napi::Number::New(env, static_cast<double>(stats.uordblks + stats.hblkhd + cachingCpuAllocatorInUse())));
#else
  out.Set("heapInUse", env.Null());
#endif
  out.Set("reportedToGc", Napi::Number::New(env, static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(env, 0))));
  return out;
}
DIAS_FN(cudaSynchronize) {
  if (torch::cuda::is_available()) torch::cuda::synchronize(info[0].IsUndefined() ? -1 : toInt(info[0]));
  return info.Env().Undefined();
}

// ---- autocast (mixed precision); the CUDA and CPU switches are separate, as in PyTorch ----
DIAS_FN(autocastEnter) {
  std::string device = toString(info[0]);
  at::ScalarType dtype = toDtype(info[1]);
  bool previous;
  if (device == "cuda") {
    previous = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  } else {
    previous = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
  return Napi::Boolean::New(info.Env(), previous);
}
DIAS_FN(autocastExit) {
  std::string device = toString(info[0]);
  bool previous = toBool(info[1]);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (device == "cuda") {
    at::autocast::set_enabled(previous);
  } else {
    at::autocast::set_cpu_enabled(previous);
  }
  return info.Env().Undefined();
}

void registerTensorCore(Napi::Env env, Napi::Object exports) {
  DIAS_EXPORT(exports, fromTypedArray);
  DIAS_EXPORT(exports, toTypedArray);
  DIAS_EXPORT(exports, rawBytes);
  DIAS_EXPORT(exports, fromBytes);
  DIAS_EXPORT(exports, item);
  DIAS_EXPORT(exports, shape);
  DIAS_EXPORT(exports, strides);
  DIAS_EXPORT(exports, dtype);
  DIAS_EXPORT(exports, device);
  DIAS_EXPORT(exports, numel);
  DIAS_EXPORT(exports, isContiguous);
  DIAS_EXPORT(exports, dataPtr);
  DIAS_EXPORT(exports, empty);
  DIAS_EXPORT(exports, zeros);
  DIAS_EXPORT(exports, ones);
  DIAS_EXPORT(exports, full);
  DIAS_EXPORT(exports, arange);
  DIAS_EXPORT(exports, linspace);
  DIAS_EXPORT(exports, eye);
  DIAS_EXPORT(exports, rand);
  DIAS_EXPORT(exports, randn);
  DIAS_EXPORT(exports, randint);
  DIAS_EXPORT(exports, randperm);
  DIAS_EXPORT(exports, uniform_);
  DIAS_EXPORT(exports, normal_);
  DIAS_EXPORT(exports, bernoulli);
  DIAS_EXPORT(exports, multinomial);
  DIAS_EXPORT(exports, manualSeed);
  DIAS_EXPORT(exports, defaultGenerator);
  DIAS_EXPORT(exports, to);
  DIAS_EXPORT(exports, contiguous);
  DIAS_EXPORT(exports, clone);
  DIAS_EXPORT(exports, detach);
  DIAS_EXPORT(exports, alias);
  DIAS_EXPORT(exports, setData);
  DIAS_EXPORT(exports, requiresGrad);
  DIAS_EXPORT(exports, setRequiresGrad);
  DIAS_EXPORT(exports, isLeaf);
  DIAS_EXPORT(exports, retainGrad);
  DIAS_EXPORT(exports, grad);
  DIAS_EXPORT(exports, setGrad);
  DIAS_EXPORT(exports, gradFnName);
  DIAS_EXPORT(exports, backward);
  DIAS_EXPORT(exports, autogradGrad);
  DIAS_EXPORT(exports, setGradEnabled);
  DIAS_EXPORT(exports, isGradEnabled);
  DIAS_EXPORT(exports, enterInferenceMode);
  DIAS_EXPORT(exports, exitInferenceMode);
  DIAS_EXPORT(exports, isInferenceMode);
  DIAS_EXPORT(exports, isInference);
  DIAS_EXPORT(exports, setNumThreads);
  DIAS_EXPORT(exports, getNumThreads);
  DIAS_EXPORT(exports, runtimeInfo);
  DIAS_EXPORT(exports, memoryInfo);
  DIAS_EXPORT(exports, cudaSynchronize);
  DIAS_EXPORT(exports, autocastEnter);
  DIAS_EXPORT(exports, autocastExit);
}

}  // namespace dias
