{
  "targets": [
    {
      "target_name": "torch_native",
      "sources": [
        "native/handle.cc",
        "native/tensor_core.cc",
        "native/ops_math.cc",
        "native/ops_shape.cc",
        "native/ops_nn.cc",
        "native/bench.cc",
        "native/distributed.cc",
        "native/cpu_allocator.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/libtorch.mjs include_dirs)"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NAPI_CPP_EXCEPTIONS",
        "<!@(node scripts/libtorch.mjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++20"],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-fexceptions",
        "-frtti",
        "-Wno-unused-parameter",
        "-Wno-deprecated-declarations",
        "<!@(node scripts/libtorch.mjs cflags)"
      ],
      "ldflags": ["<!@(node scripts/libtorch.mjs ldflags)"]
    }
  ]
}
