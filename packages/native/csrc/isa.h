// The instruction set the kernels are compiled for, decided once here: AVX-512 or AVX2 + FMA
// intrinsics on x86-64 when the compiler targets them (-march=native on such a CPU), otherwise
// portable C++ ("generic": other CPUs such as arm64, or the MEDTRANSFER_NATIVE_ISA=generic build,
// which defines MEDTRANSFER_GENERIC=1 and compiles for baseline x86-64).
#pragma once

#if defined(MEDTRANSFER_GENERIC) && MEDTRANSFER_GENERIC
#define MT_ISA_GENERIC 1
#elif (defined(__x86_64__) || defined(_M_X64)) && defined(__AVX512F__)
#define MT_ISA_AVX512 1
#elif (defined(__x86_64__) || defined(_M_X64)) && defined(__AVX2__) && defined(__FMA__)
#define MT_ISA_AVX2 1
#else
#define MT_ISA_GENERIC 1
#endif
