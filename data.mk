# Installed data: templates, static files, SQL migrations, nginx and
# systemd files. Wildcards need GNU make, which we require anyway; paths are
# made relative to the source tree so VPATH builds and `make dist` work.
xh_src = $(patsubst $(srcdir)/%,%,$(wildcard $(addprefix $(srcdir)/,$(1))))
nobase_dist_pkgdata_DATA = $(call xh_src,templates/*.mustache static/*.css static/*.js \
	sql/*.sql nginx/*.conf nginx/*.in)
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = $(call xh_src,systemd/*.service)
EXTRA_DIST += README.md dev .ci/run .clang-format tests/run tests/lsan.supp tests/check_secrets.py \
	$(call xh_src,tests/integration/*.py tests/sim/*.py tests/sim/*/*.py tests/sim/*/data/*.json \
	tests/browser/*.py tests/fuzz/corpus/*/* bench/*)
