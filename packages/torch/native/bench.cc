// The engine benchmark's C++ side: the same small conv-net training step as bench/train-step.ts, written
// directly against ATen, so that the cost of driving libtorch from TypeScript can be measured in one process.
#include "handle.h"

#include <chrono>

namespace dias {

// benchConvNetSteps(input, target, [w1, b1, w2, b2, w3, b3], steps, lr) -> milliseconds per step.
// Net: conv3x3 -> relu -> conv3x3 -> relu -> conv1x1, cross-entropy, backward, AdamW (decoupled weight decay
// 0.01, betas 0.9/0.999, eps 1e-8), exactly the arithmetic of the TypeScript AdamW.
DIAS_FN(benchConvNetSteps) {
  at::Tensor input = unwrap(info[0]);
  at::Tensor target = unwrap(info[1]);
  std::vector<at::Tensor> params = tensorList(info[2]);
  int64_t steps = toInt(info[3]);
  double lr = toDouble(info[4]);
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01;
  std::vector<at::Tensor> expAvg, expAvgSq;
  for (auto& p : params) {
    expAvg.push_back(at::zeros_like(p));
    expAvgSq.push_back(at::zeros_like(p));
  }
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= steps; ++step) {
    for (auto& p : params) p.mutable_grad() = at::Tensor();
    at::Tensor h = at::relu(at::conv2d(input, params[0], params[1], {1, 1}, {1, 1}));
    h = at::relu(at::conv2d(h, params[2], params[3], {1, 1}, {1, 1}));
    at::Tensor logits = at::conv2d(h, params[4], params[5]);
    at::Tensor loss = at::cross_entropy_loss(logits, target, {}, at::Reduction::Mean, -100, 0.0);
    loss.backward();
    at::NoGradGuard noGrad;
    double bias1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    double bias2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor& p = params[i];
      const at::Tensor& g = p.grad();
      p.mul_(1.0 - lr * weightDecay);
      expAvg[i].lerp_(g, 1.0 - beta1);
      expAvgSq[i].mul_(beta2).addcmul_(g, g, 1.0 - beta2);
      at::Tensor denom = (expAvgSq[i].sqrt() / std::sqrt(bias2)).add_(eps);
      p.addcdiv_(expAvg[i], denom, -lr / bias1);
    }
  }
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return Napi::Number::New(info.Env(), elapsed / static_cast<double>(steps));
}

void registerBench(Napi::Env env, Napi::Object exports) { DIAS_EXPORT(exports, benchConvNetSteps); }

}  // namespace dias
