#include "handle.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mutex>
#include <stdexcept>

namespace dias {

namespace {
// Distinguishes our tensor handles from any other External a caller might pass.
const napi_type_tag kTensorTag = {0x6469617374656e73ULL, 0x6f72686e646c3031ULL};
const napi_type_tag kGeneratorTag = {0x6469617367656e65ULL, 0x7261746f72303031ULL};

// A basic finalizer: it runs during garbage collection itself (it calls no JavaScript), so tensors dropped in a
// long synchronous loop are freed without waiting for the event loop to turn.
void finalizeHandle(Napi::BasicEnv env, TensorHandle* handle) {
  if (!handle->disposed && handle->reportedBytes > 0) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -handle->reportedBytes);
  }
  delete handle;
}

int64_t bytesOf(const at::Tensor& t) {
  // Views share storage; counting each view's own bytes keeps the estimate simple and never negative.
  if (!t.defined() || !t.device().is_cpu()) return 0;
  return static_cast<int64_t>(t.numel() * t.element_size());
}
}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  auto* handle = new TensorHandle();
  handle->tensor = std::move(tensor);
  auto external = Napi::External<TensorHandle>::New(env, handle, finalizeHandle);
  external.TypeTag(&kTensorTag);
  return external;
}

bool isHandle(const Napi::Value& value) {
  return value.IsExternal() && value.As<Napi::External<TensorHandle>>().CheckTypeTag(&kTensorTag);
}

static TensorHandle* handleOf(const Napi::Value& value, const char* what) {
  if (!isHandle(value)) throw std::invalid_argument(std::string("expected a Tensor for ") + what);
  return value.As<Napi::External<TensorHandle>>().Data();
}

at::Tensor& unwrap(const Napi::Value& value, const char* what) {
  TensorHandle* handle = handleOf(value, what);
  if (handle->disposed) throw std::invalid_argument("Tensor was disposed: it cannot be used after dispose()");
  return handle->tensor;
}

c10::optional<at::Tensor> optionalTensor(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return unwrap(value);
}

std::vector<at::Tensor> tensorList(const Napi::Value& value) {
  if (!value.IsArray()) throw std::invalid_argument("expected an array of Tensors");
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(unwrap(array.Get(i)));
  return out;
}

Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  auto array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) array.Set(static_cast<uint32_t>(i), wrap(env, tensors[i]));
  return array;
}

int64_t toInt(const Napi::Value& value) {
  if (value.IsNumber()) return value.As<Napi::Number>().Int64Value();
  if (value.IsBigInt()) {
    bool lossless = true;
    return value.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? 1 : 0;
  throw std::invalid_argument("expected an integer");
}

double toDouble(const Napi::Value& value) {
  if (value.IsNumber()) return value.As<Napi::Number>().DoubleValue();
  if (value.IsBigInt()) {
    bool lossless = true;
    return static_cast<double>(value.As<Napi::BigInt>().Int64Value(&lossless));
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  throw std::invalid_argument("expected a number");
}

bool toBool(const Napi::Value& value) {
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value();
  if (value.IsUndefined() || value.IsNull()) return false;
  return toDouble(value) != 0.0;
}

std::string toString(const Napi::Value& value) {
  if (!value.IsString()) throw std::invalid_argument("expected a string");
  return value.As<Napi::String>().Utf8Value();
}

c10::optional<double> optionalDouble(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return toDouble(value);
}

c10::optional<int64_t> optionalInt(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return toInt(value);
}

std::vector<int64_t> intList(const Napi::Value& value) {
  if (value.IsNumber() || value.IsBigInt()) return {toInt(value)};
  if (!value.IsArray()) throw std::invalid_argument("expected an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = toInt(array.Get(i));
  return out;
}

c10::optional<std::vector<int64_t>> optionalIntList(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return intList(value);
}

c10::optional<std::vector<double>> optionalDoubleList(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  if (value.IsNumber()) return std::vector<double>{toDouble(value)};
  if (!value.IsArray()) throw std::invalid_argument("expected an array of numbers");
  auto array = value.As<Napi::Array>();
  std::vector<double> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = toDouble(array.Get(i));
  return out;
}

at::Scalar toScalar(const Napi::Value& value) {
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  if (value.IsBigInt()) return at::Scalar(toInt(value));
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    // Integral JavaScript numbers stay integral so that int tensors keep their dtype, as Python ints do.
    if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9007199254740992.0) {
      return at::Scalar(static_cast<int64_t>(d));
    }
    return at::Scalar(d);
  }
  throw std::invalid_argument("expected a number");
}

at::ScalarType toDtype(const Napi::Value& value) {
  std::string s = toString(value);
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "int16") return at::kShort;
  if (s == "int8") return at::kChar;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  throw std::invalid_argument("unknown dtype '" + s + "'");
}

const char* dtypeName(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return "unsupported";
  }
}

at::Device toDevice(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return at::Device(at::kCPU);
  return at::Device(toString(value));
}

std::string deviceName(const at::Device& device) { return device.str(); }

c10::optional<at::Generator> toGenerator(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  if (!value.IsExternal() || !value.As<Napi::External<at::Generator>>().CheckTypeTag(&kGeneratorTag)) {
    throw std::invalid_argument("expected a Generator");
  }
  return *value.As<Napi::External<at::Generator>>().Data();
}

Napi::Value wrapGenerator(Napi::Env env, at::Generator generator) {
  auto external = Napi::External<at::Generator>::New(env, new at::Generator(std::move(generator)),
                                                      [](Napi::BasicEnv, at::Generator* g) { delete g; });
  external.TypeTag(&kGeneratorTag);
  return external;
}

void throwTorchError(const Napi::CallbackInfo& info, const char* function, const char* message) {
  std::string op = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : function;
  std::string text(message);
  // libtorch messages can carry a long C++ frame list after the first lines; the op and the reason are what help.
  auto cut = text.find("\nException raised from");
  if (cut != std::string::npos) text.resize(cut);
  throw Napi::Error::New(info.Env(), op + ": " + text);
}

DIAS_FN(dispose) {
  TensorHandle* handle = handleOf(info[0], "dispose");
  if (!handle->disposed) {
    handle->disposed = true;
    handle->tensor = at::Tensor();
    if (handle->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -handle->reportedBytes);
  }
  return info.Env().Undefined();
}

// From now on only dispose() or the garbage collector frees this tensor: tell V8 its size, so that dropped
// tensors of many megabytes make it collect sooner. Idempotent.
DIAS_FN(reportToGc) {
  TensorHandle* handle = handleOf(info[0], "reportToGc");
  if (!handle->disposed && handle->reportedBytes == 0) {
    handle->reportedBytes = bytesOf(handle->tensor);
    if (handle->reportedBytes > 0) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), handle->reportedBytes);
  }
  return info.Env().Undefined();
}

DIAS_FN(isDisposed) { return Napi::Boolean::New(info.Env(), handleOf(info[0], "isDisposed")->disposed); }

DIAS_FN(isTensorHandle) { return Napi::Boolean::New(info.Env(), isHandle(info[0])); }

// shareHandle(t) -> BigInt: a new owning reference to t's tensor, outside any JavaScript heap, for handing a
// tensor to another thread (worker) without copying; adoptHandle(BigInt) takes it over exactly once.
DIAS_FN(shareHandle) {
  auto* owned = new at::Tensor(unwrap(info[0]));
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(owned)));
}

DIAS_FN(adoptHandle) {
  bool lossless = true;
  uint64_t address = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  if (address == 0) throw std::invalid_argument("null shared tensor");
  auto* owned = reinterpret_cast<at::Tensor*>(static_cast<uintptr_t>(address));
  at::Tensor t = std::move(*owned);
  delete owned;
  return wrap(info.Env(), t);
}

DIAS_FN(newGenerator) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(toInt(info[0])));
  return wrapGenerator(info.Env(), generator);
}

DIAS_FN(generatorSeed) {
  auto generator = *toGenerator(info[0]);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(static_cast<uint64_t>(toInt(info[1])));
  return info.Env().Undefined();
}

DIAS_FN(generatorGetState) {
  auto generator = *toGenerator(info[0]);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return wrap(info.Env(), at::Tensor(generator.get_state()));
}

DIAS_FN(generatorSetState) {
  auto generator = *toGenerator(info[0]);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(unwrap(info[1]).clone());
  return info.Env().Undefined();
}

// Tensors of a few megabytes are allocated and freed many times per training step. With glibc's defaults the
// freed memory often goes back to the kernel and the next allocation faults its pages in again (measured: ~4,800
// page faults and ~30% of a small conv net's step). Keeping freed memory for reuse brings that to almost none.
// Skipped when the user set glibc's own MALLOC_* variables or DIAS_MALLOC_TUNING=0.
static void tuneAllocator() {
#if defined(__GLIBC__)
  const char* optOut = std::getenv("DIAS_MALLOC_TUNING");
  if (optOut && std::string(optOut) == "0") return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  // Once per process (mallopt is process-wide); a function-local static is initialised thread-safely, and worker
  // threads load the addon concurrently.
  static const bool tuned = (tuneAllocator(), installCachingCpuAllocator(), true);
  (void)tuned;
  DIAS_EXPORT(exports, dispose);
  DIAS_EXPORT(exports, isDisposed);
  DIAS_EXPORT(exports, reportToGc);
  DIAS_EXPORT(exports, isTensorHandle);
  DIAS_EXPORT(exports, shareHandle);
  DIAS_EXPORT(exports, adoptHandle);
  DIAS_EXPORT(exports, newGenerator);
  DIAS_EXPORT(exports, generatorSeed);
  DIAS_EXPORT(exports, generatorGetState);
  DIAS_EXPORT(exports, generatorSetState);
  registerTensorCore(env, exports);
  registerMath(env, exports);
  registerShape(env, exports);
  registerNN(env, exports);
  registerBench(env, exports);
  registerDistributed(env, exports);
  registerCpuAllocator(env, exports);
  return exports;
}

}  // namespace dias

static Napi::Object InitTorchNative(Napi::Env env, Napi::Object exports) { return dias::init(env, exports); }
NODE_API_MODULE(torch_native, InitTorchNative)
