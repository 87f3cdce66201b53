# libFuzzer targets, built with --enable-fuzzing (CC=clang). Each
# fuzz_X.c defines LLVMFuzzerTestOneInput; add it to FUZZ_TARGETS.
FUZZ_TARGETS =
if FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
FUZZ_LIBS = libxh.a $(XH_LIBS)
FUZZ_LINKFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
EXTRA_DIST += tests/fuzz/README.md
