// Shared plumbing of the addon: the tensor handle JavaScript holds, argument conversion, and the rule that
// every libtorch exception becomes a JavaScript Error carrying the op's name.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>


#include <string>
#include <vector>

namespace dias {

// A JavaScript-owned reference to one at::Tensor. dispose() releases it at once; the GC finalizer is the safety
// net. V8 is told about the bytes (reportToGc) only once no scope will dispose the tensor: reporting every
// short-lived intermediate made V8 start a major collection every few forward passes (measured: 3x the context
// switches and 11% of an eval forward pass on 2 threads).
struct TensorHandle {
  at::Tensor tensor;
  int64_t reportedBytes = 0;
  bool disposed = false;
};

Napi::Value wrap(Napi::Env env, at::Tensor tensor);
at::Tensor& unwrap(const Napi::Value& value, const char* what = "tensor");
bool isHandle(const Napi::Value& value);
c10::optional<at::Tensor> optionalTensor(const Napi::Value& value);
std::vector<at::Tensor> tensorList(const Napi::Value& value);
Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& tensors);

std::vector<int64_t> intList(const Napi::Value& value);
c10::optional<std::vector<int64_t>> optionalIntList(const Napi::Value& value);
c10::optional<std::vector<double>> optionalDoubleList(const Napi::Value& value);
int64_t toInt(const Napi::Value& value);
double toDouble(const Napi::Value& value);
bool toBool(const Napi::Value& value);
std::string toString(const Napi::Value& value);
c10::optional<double> optionalDouble(const Napi::Value& value);
c10::optional<int64_t> optionalInt(const Napi::Value& value);
at::Scalar toScalar(const Napi::Value& value);
at::ScalarType toDtype(const Napi::Value& value);
const char* dtypeName(at::ScalarType dtype);
at::Device toDevice(const Napi::Value& value);
std::string deviceName(const at::Device& device);
c10::optional<at::Generator> toGenerator(const Napi::Value& value);
Napi::Value wrapGenerator(Napi::Env env, at::Generator generator);

// Table-dispatched functions (unary, binary, reduce, ...) take the op's name first; errors carry that name.
[[noreturn]] void throwTorchError(const Napi::CallbackInfo& info, const char* function, const char* message);

// Defines a native function whose body may throw libtorch or std exceptions; they reach JavaScript as
// `Error("<op>: <message>")` and the process goes on.
#define DIAS_FN(name)                                                                     \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info);                         \
  static Napi::Value name(const Napi::CallbackInfo& info) {                               \
    try {                                                                                 \
      return name##_impl(info);                                                           \
    } catch (const Napi::Error&) {                                                        \
      throw;                                                                              \
    } catch (const c10::Error& e) {                                                       \
      ::dias::throwTorchError(info, #name, e.what_without_backtrace());                   \
    } catch (const std::exception& e) {                                                   \
      ::dias::throwTorchError(info, #name, e.what());                                     \
    }                                                                                     \
  }                                                                                       \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info)

#define DIAS_EXPORT(exports, name) exports.Set(#name, Napi::Function::New(env, name, #name))

void registerTensorCore(Napi::Env env, Napi::Object exports);
void registerMath(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerNN(Napi::Env env, Napi::Object exports);
void registerBench(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerCpuAllocator(Napi::Env env, Napi::Object exports);
// cpu_allocator.cc: the caching allocator of large CPU tensors, installed once per process at load.
void installCachingCpuAllocator();
size_t cachingCpuAllocatorInUse();

}  // namespace dias
