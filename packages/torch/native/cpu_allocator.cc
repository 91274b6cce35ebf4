// A caching allocator for libtorch's CPU tensors of 256 KiB and more, installed at load (c10::SetCPUAllocator).
// No counterpart in the official DIAS code (PyTorch's own allocator there); the idea is that of PyTorch's CUDA
// caching allocator, applied to the CPU: a freed block is kept and handed to the next request of about its size.
//
// Why: glibc gives such blocks back to the kernel, and the next forward pass takes a page fault on every 4 KiB of
// its activations again. Measured in `dias serve`'s inference worker, 800x800x8 with the default FR-UNet: 190-290
// thousand minor faults (0.8-1.1 GB) on every click, 3x the time of a pass without them. Two glibc rules do it,
// and neither can be tuned away from here: blocks over 32 MiB (16 channels of 800x800 floats is 41 MB) are always
// mmap'd and unmapped on free (M_MMAP_THRESHOLD cannot go higher), and a thread other than the main one (the
// worker) allocates from its own arena, whose 64 MiB heaps are unmapped as soon as they are empty, whatever
// M_TRIM_THRESHOLD says. Smaller blocks stay with libtorch's default allocator (glibc), which reuses them well.
//
// Blocks come from mmap, rounded up to 64 KiB; a request takes the smallest cached block that is large enough and
// at most a quarter larger (activations of one input size repeat exactly, so nearly all requests after the first
// pass hit). At most kMaxCached bytes are kept; beyond that a freed block is unmapped. DIAS_MALLOC_TUNING=0 leaves
// libtorch's allocator in place (as it leaves glibc's settings).
#include <sys/mman.h>

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "handle.h"

namespace dias {
namespace {

constexpr size_t kMinCached = 256 * 1024;
constexpr size_t kGranule = 64 * 1024;
constexpr size_t kMaxCached = size_t(4) << 30;

struct Stats {
  size_t inUse = 0;   // bytes of blocks handed out (rounded sizes)
  size_t cached = 0;  // bytes of free blocks kept
  size_t hits = 0;
  size_t misses = 0;
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(c10::Allocator* fallback) : fallback_(fallback) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < kMinCached) return fallback_->allocate(n);
    void* p = take(n);
    // The context is the pointer itself, so that raw_allocate (which asserts it) works too.
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  static CachingCpuAllocator* instance;

  Stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  void* take(size_t n) const {
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.lower_bound(size);
      if (it != free_.end() && it->first <= size + size / 4) {
        void* p = it->second;
        const size_t have = it->first;
        free_.erase(it);
        live_[p] = have;
        stats_.cached -= have;
        stats_.inUse += have;
        stats_.hits++;
        return p;
      }
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      // Out of address space or memory: give the cache back and try once more before failing as libtorch would.
      trim();
      p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      TORCH_CHECK(p != MAP_FAILED, "DefaultCPUAllocator: not enough memory: you tried to allocate ", n, " bytes.");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    live_[p] = size;
    stats_.inUse += size;
    stats_.misses++;
    return p;
  }

  static void release(void* p) { instance->give(p); }

  void give(void* p) const {
    if (p == nullptr) return;
    size_t size;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto it = live_.find(p);
      if (it == live_.end()) {
        // A small block: libtorch code that used raw_allocate and frees through raw_deleter got it from the
        // default allocator (allocate passes small requests on), so it goes back there.
        lock.unlock();
        fallback_->raw_deleter()(p);
        return;
      }
      size = it->second;
      live_.erase(it);
      stats_.inUse -= size;
      if (stats_.cached + size <= kMaxCached) {
        free_.emplace(size, p);
        stats_.cached += size;
        return;
      }
    }
    munmap(p, size);
  }

  void trim() const {
    std::multimap<size_t, void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(free_);
      stats_.cached = 0;
    }
    for (auto& [size, p] : blocks) munmap(p, size);
  }

  c10::Allocator* fallback_;
  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_;
  mutable std::unordered_map<void*, size_t> live_;
  mutable Stats stats_;
};

CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;

}  // namespace

void installCachingCpuAllocator() {
  const char* optOut = std::getenv("DIAS_MALLOC_TUNING");
  if (optOut && std::string(optOut) == "0") return;
  // Never deleted: tensors may outlive the addon's module objects until the process ends.
  CachingCpuAllocator::instance = new CachingCpuAllocator(c10::GetDefaultCPUAllocator());
  c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority=*/1);
}

size_t cachingCpuAllocatorInUse() {
  return CachingCpuAllocator::instance ? CachingCpuAllocator::instance->stats().inUse : 0;
}

// cpuCacheInfo(): whether the caching allocator is installed, its bytes handed out and kept, and its hits and
// misses (requests served from the cache, and those that mapped new memory).
DIAS_FN(cpuCacheInfo) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  auto* a = CachingCpuAllocator::instance;
  const Stats s = a ? a->stats() : Stats{};
  out.Set("installed", Napi::Boolean::New(env, a != nullptr));
  out.Set("inUse", Napi::Number::New(env, static_cast<double>(s.inUse)));
  out.Set("cached", Napi::Number::New(env, static_cast<double>(s.cached)));
  out.Set("hits", Napi::Number::New(env, static_cast<double>(s.hits)));
  out.Set("misses", Napi::Number::New(env, static_cast<double>(s.misses)));
  return out;
}

void registerCpuAllocator(Napi::Env env, Napi::Object exports) { DIAS_EXPORT(exports, cpuCacheInfo); }

}  // namespace dias
