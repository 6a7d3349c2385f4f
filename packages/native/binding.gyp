{
  "targets": [
    {
      "target_name": "medtransfer_native",
      "sources": ["csrc/addon.cc", "csrc/gemm.cc", "csrc/conv.cc", "csrc/thread-pool.cc", "csrc/reduce.cc", "csrc/elementwise.cc", "csrc/optim.cc", "csrc/batchnorm.cc", "csrc/depthwise.cc"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-ffp-contract=off", "-fexceptions", "-Wall", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
