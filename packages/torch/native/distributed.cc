// Data-parallel communication through libtorch's c10d (the engine under torch.distributed): one process group per
// process, rendezvous through a TCPStore that rank 0 hosts, collectives run by ProcessGroupGloo.
//
// Follows torch.distributed's design (init_process_group with the env:// or tcp:// rendezvous, all_reduce,
// broadcast, barrier, destroy_process_group) with these deviations:
// - the collectives are synchronous: they return once the work is done (or throw), which is what a training step
//   wants and keeps tensors alive only as long as JavaScript holds them;
// - one call reduces a list of independent tensors (torch's list means per-device replicas of one tensor);
// - 'avg' is done here as a sum divided by the world size, since Gloo has no AVG;
// - after a failed or timed-out collective the group is marked broken and every later call fails at once:
//   a Gloo context that lost a peer cannot be trusted again (torch leaves that to the user).
// Only Gloo is built in: 'nccl' needs libtorch's CUDA build with ProcessGroupNCCL, and says so.
#include "handle.h"

#if __has_include(<gloo/context.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define DIAS_WITH_GLOO 1
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#define DIAS_WITH_GLOO 0
#endif

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace dias {

#if DIAS_WITH_GLOO
namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0;
  int worldSize = 1;
  std::string backend;
  std::chrono::milliseconds timeout{0};
  std::string broken;  // why the group can no longer be used; empty while it is healthy
};

// Deliberately never destroyed at exit: ProcessGroupGloo's destructor joins its worker threads, which may sit in a
// receive from a dead peer until the timeout; process exit must not wait for that. destroyProcessGroup frees it.
Group* current = nullptr;
std::mutex groupMutex;

Group& requireGroup(const char* op) {
  if (!current) {
    throw std::runtime_error(std::string(op) + " needs a process group: call distributed.initProcessGroup() first");
  }
  if (!current->broken.empty()) {
    throw std::runtime_error("the process group is unusable after an earlier failure (" + current->broken +
                             "); destroy it and start again");
  }
  return *current;
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The network device Gloo's peers connect to: GLOO_SOCKET_IFNAME when set (as torch reads it), loopback when the
// whole group is on this machine's loopback, else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const std::string& masterAddr) {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (isLoopback(masterAddr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Waits for one collective; any failure (peer gone, timeout) breaks the group and reaches JavaScript.
void awaitWork(Group& group, const c10::intrusive_ptr<c10d::Work>& work, const char* op) {
  try {
    work->wait(group.timeout);
  } catch (const c10::Error& e) {
    group.broken = std::string(op) + ": " + e.what_without_backtrace();
    throw std::runtime_error(group.broken);
  } catch (const std::exception& e) {
    group.broken = std::string(op) + ": " + e.what();
    throw std::runtime_error(group.broken);
  }
}

void checkCollectiveTensor(const at::Tensor& t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": undefined tensor");
  if (t.is_sparse()) throw std::invalid_argument(std::string(op) + ": sparse tensors are not supported");
}

// Reduces (sums) a list of tensors in place. Tensors are packed, in order, into flat buckets of at most
// bucketBytes (one tensor larger than that gets a bucket of its own) of one dtype and device; every bucket's
// all-reduce is started before the first is waited for, so packing the next bucket overlaps the previous one's
// communication. All ranks must pass the same shapes in the same order: the bucket layout depends only on them.
void allReduceBuckets(Group& group, std::vector<at::Tensor>& tensors, bool average, int64_t bucketBytes) {
  at::NoGradGuard noGrad;
  struct Bucket {
    std::vector<size_t> members;
    at::Tensor flat;
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::vector<Bucket> buckets;
  int64_t filled = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    checkCollectiveTensor(tensors[i], "allReduce");
    const at::Tensor& t = tensors[i];
    int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    bool startNew = buckets.empty() || filled + bytes > bucketBytes;
    if (!startNew) {
      const at::Tensor& first = tensors[buckets.back().members.front()];
      startNew = first.scalar_type() != t.scalar_type() || first.device() != t.device();
    }
    if (startNew) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().members.push_back(i);
    filled += bytes;
  }
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  options.timeout = group.timeout;
  for (auto& bucket : buckets) {
    if (bucket.members.size() == 1 && tensors[bucket.members[0]].is_contiguous()) {
      bucket.flat = tensors[bucket.members[0]];
    } else {
      std::vector<at::Tensor> pieces;
      pieces.reserve(bucket.members.size());
      for (size_t i : bucket.members) pieces.push_back(tensors[i].reshape({-1}));
      bucket.flat = at::cat(pieces);
    }
    std::vector<at::Tensor> one{bucket.flat};
    bucket.work = group.pg->allreduce(one, options);
  }
  for (auto& bucket : buckets) {
    awaitWork(group, bucket.work, "allReduce");
    if (average) bucket.flat.div_(group.worldSize);
    if (bucket.flat.is_same(tensors[bucket.members[0]])) continue;
    int64_t offset = 0;
    for (size_t i : bucket.members) {
      at::Tensor& t = tensors[i];
      t.copy_(bucket.flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

// Whether a listening socket could take `port` on every address of `family` now, as c10d's TCPStore server asks for
// it (libtorch 1.13's Socket::listen takes a port only: [::] dual-stack first, then 0.0.0.0, with SO_REUSEADDR).
// Sets `error` to the errno of a failed bind.
bool canListen(int family, int port, int& error) {
  int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd < 0) {
    error = errno;
    return false;
  }
  int one = 1, zero = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (family == AF_INET6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(static_cast<uint16_t>(port));
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  error = rc == 0 ? 0 : errno;
  ::close(fd);
  return rc == 0;
}

// Rank 0's TCPStore port, checked before the store is made: a port in use made c10d print glog warnings before
// InitGoogleLogging and throw "failed to listen on any local network address"; this says which port and why.
void checkRendezvousPort(int port) {
  int error6 = 0, error4 = 0;
  if (canListen(AF_INET6, port, error6) || canListen(AF_INET, port, error4)) return;
  int error = error4 ? error4 : error6;
  if (error == EADDRINUSE) {
    throw std::runtime_error("the rendezvous port " + std::to_string(port) +
                             " is in use on this machine (rank 0 hosts the TCPStore there); choose another masterPort");
  }
  throw std::runtime_error("the rendezvous port " + std::to_string(port) + " cannot be used (" + std::strerror(error) +
                           ")");
}

// The rendezvous proper: returns once all worldSize ranks have checked in, or throws after timeout naming how many
// did. (libtorch 1.13's TCPStore returns from its constructor without waiting for the other ranks.)
void waitForAllRanks(c10d::Store& store, int worldSize, std::chrono::milliseconds timeout) {
  int64_t arrived = store.add("joined", 1);
  if (arrived == worldSize) store.set("all_joined", std::vector<uint8_t>{1});
  try {
    store.wait({"all_joined"}, timeout);
  } catch (const std::exception&) {
    int64_t seen = store.add("joined", 0);
    throw std::runtime_error("rendezvous timed out after " + std::to_string(timeout.count()) + " ms: " +
                             std::to_string(seen) + " of " + std::to_string(worldSize) + " ranks joined");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------- gradient reducer
// DistributedDataParallel's overlap of communication with backward, as PyTorch's Reducer (torch/csrc/distributed/
// c10d/reducer.cpp) does it: a post-hook on every parameter's gradient accumulator counts the parameters of its
// bucket whose gradient is final; a full bucket is packed and its all-reduce started while backward goes on with
// the rest of the graph. Buckets hold parameters in reverse order (backward reaches the last layers first) and are
// started strictly in bucket order, so every rank issues the same collectives in the same order whatever order
// its hooks fire in. Simplified: the bucket layout is fixed (no rebuilding from the observed order); a parameter
// without a gradient in a backward contributes zeros when finish() runs (no find_unused_parameters pass).
namespace {

struct Reducer {
  struct Bucket {
    std::vector<size_t> members;  // parameter indices
    size_t pending = 0;           // members whose gradient is not final yet in this backward
    at::Tensor flat;
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::vector<at::Tensor> params;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;
  std::vector<uintptr_t> hookKeys;
  std::vector<Bucket> buckets;
  std::vector<size_t> bucketOf;
  bool armed = false;      // the next backward is the one whose gradients are reduced
  size_t nextToLaunch = 0; // buckets launch in index order only

  void reset() {
    armed = false;
    nextToLaunch = 0;
    for (auto& b : buckets) {
      b.pending = b.members.size();
      b.flat = at::Tensor();
      b.work.reset();
    }
  }

  // Packs one bucket (a missing gradient counts as zeros) and starts its all-reduce.
  void launch(Group& group, Bucket& bucket) {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> pieces;
    for (size_t i : bucket.members) {
      const at::Tensor& g = params[i].grad();
      pieces.push_back(g.defined() ? g.reshape({-1}) : at::zeros({params[i].numel()}, params[i].options()));
    }
    bucket.flat = pieces.size() == 1 ? pieces[0].clone() : at::cat(pieces);
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    options.timeout = group.timeout;
    std::vector<at::Tensor> one{bucket.flat};
    bucket.work = group.pg->allreduce(one, options);
  }

  void launchReady(Group& group) {
    while (nextToLaunch < buckets.size() && buckets[nextToLaunch].pending == 0) launch(group, buckets[nextToLaunch++]);
  }

  // Called by the hook of parameter i once its gradient is final in this backward.
  void ready(size_t i) {
    if (!armed) return;
    Bucket& bucket = buckets[bucketOf[i]];
    if (bucket.pending == 0) return;  // a second accumulation in the same backward: already counted
    --bucket.pending;
    std::lock_guard<std::mutex> lock(groupMutex);
    launchReady(requireGroup("DistributedDataParallel"));
  }

  // Starts what is left, waits for every bucket and writes the averaged gradients back.
  void finish(Group& group) {
    for (; nextToLaunch < buckets.size(); ++nextToLaunch) launch(group, buckets[nextToLaunch]);
    at::NoGradGuard noGrad;
    for (auto& bucket : buckets) {
      awaitWork(group, bucket.work, "DistributedDataParallel");
      bucket.flat.div_(group.worldSize);
      int64_t offset = 0;
      for (size_t i : bucket.members) {
        at::Tensor& p = params[i];
        at::Tensor piece = bucket.flat.narrow(0, offset, p.numel()).view(p.sizes());
        if (p.grad().defined()) p.mutable_grad().copy_(piece);
        else p.mutable_grad() = piece.clone();
        offset += p.numel();
      }
    }
    reset();
  }

  void removeHooks() {
    for (size_t i = 0; i < accumulators.size(); ++i) accumulators[i]->del_post_hook(hookKeys[i]);
    accumulators.clear();
    hookKeys.clear();
  }
};

const napi_type_tag kReducerTag = {0x6469617372656475ULL, 0x6365723030303031ULL};

Reducer& reducerOf(const Napi::Value& value) {
  if (!value.IsExternal() || !value.As<Napi::External<Reducer>>().CheckTypeTag(&kReducerTag)) {
    throw std::invalid_argument("expected a gradient reducer");
  }
  Reducer* r = value.As<Napi::External<Reducer>>().Data();
  if (r->params.empty()) throw std::invalid_argument("the gradient reducer was released");
  return *r;
}

}  // namespace

// distReducerNew(params, bucketBytes) -> reducer: hooks the parameters' gradient accumulators.
DIAS_FN(distReducerNew) {
  std::vector<at::Tensor> params = tensorList(info[0]);
  int64_t bucketBytes = toInt(info[1]);
  if (params.empty()) throw std::invalid_argument("no parameters to reduce");
  auto reducer = std::make_unique<Reducer>();
  reducer->params = params;
  reducer->bucketOf.resize(params.size());
  int64_t filled = 0;
  for (size_t k = params.size(); k-- > 0;) {
    const at::Tensor& p = params[k];
    if (!p.requires_grad() || !p.is_leaf()) throw std::invalid_argument("every parameter must be a leaf that requires grad");
    int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    auto& bs = reducer->buckets;
    bool startNew = bs.empty() || filled + bytes > bucketBytes;
    if (!startNew) {
      const at::Tensor& first = params[bs.back().members.front()];
      startNew = first.scalar_type() != p.scalar_type() || first.device() != p.device();
    }
    if (startNew) {
      bs.emplace_back();
      filled = 0;
    }
    bs.back().members.push_back(k);
    reducer->bucketOf[k] = bs.size() - 1;
    filled += bytes;
  }
  reducer->reset();
  Reducer* raw = reducer.get();
  for (size_t i = 0; i < params.size(); ++i) {
    auto accumulator = torch::autograd::impl::grad_accumulator(params[i]);
    auto hook = std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [raw, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          raw->ready(i);
          return outputs;
        });
    reducer->hookKeys.push_back(accumulator->add_post_hook(std::move(hook)));
    reducer->accumulators.push_back(std::move(accumulator));
  }
  auto external = Napi::External<Reducer>::New(info.Env(), reducer.release(), [](Napi::Env, Reducer* r) {
    r->removeHooks();
    delete r;
  });
  external.TypeTag(&kReducerTag);
  return external;
}

// distReducerArm(reducer): the next backward starts each bucket's all-reduce as soon as the bucket is complete.
DIAS_FN(distReducerArm) {
  Reducer& r = reducerOf(info[0]);
  r.reset();
  r.armed = true;
  return info.Env().Undefined();
}

// distReducerFinish(reducer): the gradients averaged over the ranks (whether or not the backward was armed).
DIAS_FN(distReducerFinish) {
  Reducer& r = reducerOf(info[0]);
  std::lock_guard<std::mutex> lock(groupMutex);
  Group& group = requireGroup("DistributedDataParallel");
  try {
    r.finish(group);
  } catch (...) {
    r.reset();
    throw;
  }
  return info.Env().Undefined();
}

// distReducerLaunched(reducer) -> buckets whose all-reduce has started in this backward (all of them, after an armed
// backward that reached every parameter: the proof that the hooks run).
DIAS_FN(distReducerLaunched) {
  return Napi::Number::New(info.Env(), static_cast<double>(reducerOf(info[0]).nextToLaunch));
}

// distReducerBuckets(reducer) -> the parameter indices of each bucket, in launch order (for tests and tuning).
DIAS_FN(distReducerBuckets) {
  Reducer& r = reducerOf(info[0]);
  auto out = Napi::Array::New(info.Env(), r.buckets.size());
  for (size_t b = 0; b < r.buckets.size(); ++b) {
    auto members = Napi::Array::New(info.Env(), r.buckets[b].members.size());
    for (size_t j = 0; j < r.buckets[b].members.size(); ++j) members.Set(static_cast<uint32_t>(j), Napi::Number::New(info.Env(), static_cast<double>(r.buckets[b].members[j])));
    out.Set(static_cast<uint32_t>(b), members);
  }
  return out;
}

// distReducerRelease(reducer): removes the hooks now (the garbage collector would, later).
DIAS_FN(distReducerRelease) {
  if (!info[0].IsExternal() || !info[0].As<Napi::External<Reducer>>().CheckTypeTag(&kReducerTag)) {
    throw std::invalid_argument("expected a gradient reducer");
  }
  Reducer* r = info[0].As<Napi::External<Reducer>>().Data();
  r->removeHooks();
  r->params.clear();
  r->buckets.clear();
  return info.Env().Undefined();
}

// distInitProcessGroup(rank, worldSize, backend, masterAddr, masterPort, timeoutMs, rendezvousTimeoutMs, storePath):
// blocks until every rank has joined (or the rendezvous timeout passes). The collectives' timeout is timeoutMs.
// The rendezvous is a FileStore at storePath when one is given (torch's file:// init method: no listening socket at
// all), else a TCPStore that rank 0 hosts on masterPort. libtorch 1.13's TCPStore listens on every interface
// (Socket::listen has no address; TCPStoreOptions has no masterListenFd yet), so a group on one machine is best
// started with a file.
DIAS_FN(distInitProcessGroup) {
  int rank = static_cast<int>(toInt(info[0]));
  int worldSize = static_cast<int>(toInt(info[1]));
  std::string backend = toString(info[2]);
  std::string masterAddr = toString(info[3]);
  int64_t port = toInt(info[4]);
  int64_t timeoutMs = toInt(info[5]);
  int64_t rendezvousMs = toInt(info[6]);
  std::string storePath = toString(info[7]);
  if (backend == "nccl") {
    throw std::runtime_error(
        "backend 'nccl' needs a CUDA build of libtorch with NCCL; this addon was built with Gloo only (use 'gloo')");
  }
  if (backend != "gloo") throw std::invalid_argument("unknown backend '" + backend + "' (expected 'gloo' or 'nccl')");
  if (worldSize < 1) throw std::invalid_argument("worldSize must be at least 1");
  if (rank < 0 || rank >= worldSize) {
    throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(worldSize - 1));
  }
  if (port < 1 || port > 65535) throw std::invalid_argument("masterPort must be within 1..65535");
  if (timeoutMs < 1 || rendezvousMs < 1) throw std::invalid_argument("timeouts must be positive");
  std::lock_guard<std::mutex> lock(groupMutex);
  if (current) throw std::runtime_error("a process group is already initialised: destroyProcessGroup() first");

  auto timeout = std::chrono::milliseconds(timeoutMs);
  c10::intrusive_ptr<c10d::Store> baseStore;
  if (!storePath.empty()) {
    baseStore = c10::make_intrusive<c10d::FileStore>(storePath, worldSize);
    baseStore->setTimeout(std::chrono::milliseconds(rendezvousMs));
  } else {
    if (rank == 0) checkRendezvousPort(static_cast<int>(port));
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<std::uint16_t>(port);
    storeOptions.isServer = rank == 0;
    storeOptions.numWorkers = static_cast<std::size_t>(worldSize);
    storeOptions.waitWorkers = true;
    storeOptions.timeout = std::chrono::milliseconds(rendezvousMs);
    baseStore = c10::make_intrusive<c10d::TCPStore>(masterAddr, storeOptions);
  }
  // The prefix keeps this group's keys apart from anything else a user may put in the same store.
  auto store = c10::make_intrusive<c10d::PrefixStore>("dias_pg", baseStore);
  waitForAllRanks(*store, worldSize, std::chrono::milliseconds(rendezvousMs));

  // Every rank is here, so the Gloo mesh is set up within the collectives' timeout (which is also Gloo's
  // per-operation timeout).
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(glooDevice(masterAddr));
  auto group = std::make_unique<Group>();
  group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, worldSize, options);
  group->store = store;
  group->rank = rank;
  group->worldSize = worldSize;
  group->backend = backend;
  group->timeout = timeout;
  current = group.release();
  return info.Env().Undefined();
}

// distAllReduce(tensors, 'sum'|'avg', bucketBytes): in place.
DIAS_FN(distAllReduce) {
  std::vector<at::Tensor> tensors = tensorList(info[0]);
  std::string op = toString(info[1]);
  if (op != "sum" && op != "avg") throw std::invalid_argument("unknown reduce op '" + op + "' (expected 'sum' or 'avg')");
  int64_t bucketBytes = toInt(info[2]);
  std::lock_guard<std::mutex> lock(groupMutex);
  Group& group = requireGroup("allReduce");
  allReduceBuckets(group, tensors, op == "avg", bucketBytes);
  return info.Env().Undefined();
}

// distBroadcast(tensors, src): every tensor takes rank src's values, in place.
DIAS_FN(distBroadcast) {
  std::vector<at::Tensor> tensors = tensorList(info[0]);
  int64_t src = toInt(info[1]);
  std::lock_guard<std::mutex> lock(groupMutex);
  Group& group = requireGroup("broadcast");
  if (src < 0 || src >= group.worldSize) {
    throw std::invalid_argument("broadcast: src rank " + std::to_string(src) + " is outside 0.." +
                                std::to_string(group.worldSize - 1));
  }
  at::NoGradGuard noGrad;
  c10d::BroadcastOptions options;
  options.rootRank = src;
  options.timeout = group.timeout;
  std::vector<std::pair<at::Tensor, c10::intrusive_ptr<c10d::Work>>> pending;
  for (auto& t : tensors) {
    checkCollectiveTensor(t, "broadcast");
    at::Tensor buffer = t.is_contiguous() ? t : t.contiguous();
    std::vector<at::Tensor> one{buffer};
    pending.emplace_back(buffer, group.pg->broadcast(one, options));
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    awaitWork(group, pending[i].second, "broadcast");
    if (!pending[i].first.is_same(tensors[i])) tensors[i].copy_(pending[i].first);
  }
  return info.Env().Undefined();
}

DIAS_FN(distBarrier) {
  std::lock_guard<std::mutex> lock(groupMutex);
  Group& group = requireGroup("barrier");
  c10d::BarrierOptions options;
  options.timeout = group.timeout;
  awaitWork(group, group.pg->barrier(options), "barrier");
  return info.Env().Undefined();
}

// Frees the group. After a failure Gloo's threads may still wait on a dead peer; then the group is left to the
// process's exit instead of joining them here.
DIAS_FN(distDestroyProcessGroup) {
  std::lock_guard<std::mutex> lock(groupMutex);
  if (current) {
    if (current->broken.empty()) delete current;
    current = nullptr;
  }
  return info.Env().Undefined();
}

// distState() -> null, or { rank, worldSize, backend, timeoutMs, broken }.
DIAS_FN(distState) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(groupMutex);
  if (!current) return env.Null();
  auto out = Napi::Object::New(env);
  out.Set("rank", Napi::Number::New(env, current->rank));
  out.Set("worldSize", Napi::Number::New(env, current->worldSize));
  out.Set("backend", Napi::String::New(env, current->backend));
  out.Set("timeoutMs", Napi::Number::New(env, static_cast<double>(current->timeout.count())));
  out.Set("broken", current->broken.empty() ? env.Null() : Napi::String::New(env, current->broken));
  return out;
}
#else
static Napi::Value unavailable(const Napi::CallbackInfo& info) {
  throw Napi::Error::New(info.Env(),
                         "distributed: this addon was built without c10d Gloo (install libgloo-dev and rebuild)");
}
#define distInitProcessGroup unavailable
#define distAllReduce unavailable
#define distBroadcast unavailable
#define distBarrier unavailable
#define distDestroyProcessGroup unavailable
#define distReducerNew unavailable
#define distReducerArm unavailable
#define distReducerFinish unavailable
#define distReducerBuckets unavailable
#define distReducerLaunched unavailable
#define distReducerRelease unavailable
static Napi::Value distState(const Napi::CallbackInfo& info) { return info.Env().Null(); }
#endif

DIAS_FN(distBackends) {
  auto out = Napi::Array::New(info.Env());
  if (DIAS_WITH_GLOO) out.Set(0u, Napi::String::New(info.Env(), "gloo"));
  return out;
}

void registerDistributed(Napi::Env env, Napi::Object exports) {
  DIAS_EXPORT(exports, distInitProcessGroup);
  DIAS_EXPORT(exports, distAllReduce);
  DIAS_EXPORT(exports, distBroadcast);
  DIAS_EXPORT(exports, distBarrier);
  DIAS_EXPORT(exports, distDestroyProcessGroup);
  DIAS_EXPORT(exports, distState);
  DIAS_EXPORT(exports, distBackends);
  DIAS_EXPORT(exports, distReducerNew);
  DIAS_EXPORT(exports, distReducerArm);
  DIAS_EXPORT(exports, distReducerFinish);
  DIAS_EXPORT(exports, distReducerBuckets);
  DIAS_EXPORT(exports, distReducerLaunched);
  DIAS_EXPORT(exports, distReducerRelease);
}

}  // namespace dias
