# Unit tests (Check). Each test_X.c is one program; add it to UNIT_TESTS.
UNIT_TESTS =
if HAVE_CHECK
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
UNIT_LIBS = libxh.a $(XH_LIBS) $(CHECK_LIBS)
UNIT_CCFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
