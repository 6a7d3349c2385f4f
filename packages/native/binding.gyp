# The medtransfer native kernels. MEDTRANSFER_NATIVE_ISA (read when node-gyp configures) picks
# the instruction set: "native" (default: this machine's CPU) or "generic" (portable C++, no
# intrinsics, baseline x86-64 on x86). Anything else stops the build with a message.
{
  "variables": {
    # oneDNN: 1 when scripts/build.js found it (scripts/find-dnnl.js) and passed it on;
    # MEDTRANSFER_DNNL_OMP=1 when it runs on OpenMP. A plain node-gyp rebuild builds without.
    "medtransfer_dnnl%": "<!(node -p \"process.env.MEDTRANSFER_DNNL_FOUND === '1' ? 1 : 0\")",
    "medtransfer_dnnl_omp%": "<!(node -p \"process.env.MEDTRANSFER_DNNL_OMP === '1' ? 1 : 0\")",
    "medtransfer_isa%": "<!(node -p \"const v = process.env.MEDTRANSFER_NATIVE_ISA || 'native'; if (v !== 'native' && v !== 'generic') { console.error('MEDTRANSFER_NATIVE_ISA must be native or generic (or unset), not ' + JSON.stringify(v)); process.exit(1); } v\")"
  },
  "targets": [
    {
      "target_name": "medtransfer_native",
      "sources": ["csrc/addon.cc", "csrc/gemm.cc", "csrc/conv.cc", "csrc/thread-pool.cc", "csrc/reduce.cc", "csrc/elementwise.cc", "csrc/optim.cc", "csrc/batchnorm.cc", "csrc/depthwise.cc"],
      "cflags!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O2"],
      # -ffp-contract=off: no fused multiply-adds outside the GEMM intrinsics, so the Adam step
      # rounds exactly as the element-wise version (README). -Wno-psabi: GCC notes that 64-byte
      # vectors are passed differently without AVX-512; only inline helpers take them.
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fexceptions", "-Wall", "-Wno-unused-parameter", "-Wno-psabi"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        # macOS ignores cflags_cc: the make generator takes compiler flags from xcode_settings
        # only, so everything above that matters is repeated here (notably -ffp-contract=off:
        # Apple clang defaults to "on", which fuses a·b + c on arm64, where FMA is always there).
        # $(inherited) keeps node's OTHER_CFLAGS; -O3 comes from node's Release configuration.
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_ENABLE_CPP_RTTI": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "10.15",
            "OTHER_CPLUSPLUSFLAGS": ["$(inherited)", "-ffp-contract=off", "-Wall", "-Wno-unused-parameter"]
          }
        }],
        # The CPU flag. -march=native only on x86: GCC and clang take it there, but Apple clang
        # before 15 rejects it on arm64 ("does not support '-march=native'"), and on arm64 -mcpu
        # is the flag that selects both instruction set and tuning (GCC and clang, Linux and
        # macOS). Other architectures get the compiler's default target.
        ["medtransfer_isa=='native' and (target_arch=='x64' or target_arch=='ia32')", {
          "cflags_cc": ["-march=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=native"] }
        }],
        ["medtransfer_isa=='native' and target_arch=='arm64'", {
          "cflags_cc": ["-mcpu=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mcpu=native"] }
        }],
        # oneDNN's convolutions, ours the fallback (csrc/dnnl-conv.h).
        ["medtransfer_dnnl==1", {
          "sources": ["csrc/dnnl-conv.cc"],
          "defines": ["MEDTRANSFER_DNNL=1"],
          "libraries": ["-ldnnl"]
        }],
        ["medtransfer_dnnl==1 and medtransfer_dnnl_omp==1", {
          "defines": ["MEDTRANSFER_DNNL_OMP=1"],
          "libraries": ["-lgomp"]
        }],
        # Generic: the portable C++ path (csrc/isa.h) for the oldest CPU of the architecture.
        ["medtransfer_isa=='generic'", {
          "defines": ["MEDTRANSFER_GENERIC=1"]
        }],
        ["medtransfer_isa=='generic' and target_arch=='x64'", {
          "cflags_cc": ["-march=x86-64"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=x86-64"] }
        }]
      ]
    }
  ]
}
