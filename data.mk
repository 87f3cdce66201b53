# Installed data: templates, static files, SQL migrations, nginx and
# systemd files. Wildcards need GNU make, which we require anyway.
nobase_dist_pkgdata_DATA = \
	$(wildcard $(srcdir)/templates/*.mustache) \
	$(wildcard $(srcdir)/static/*.css) $(wildcard $(srcdir)/static/*.js) \
	$(wildcard $(srcdir)/sql/*.sql) \
	$(wildcard $(srcdir)/nginx/*.conf) $(wildcard $(srcdir)/nginx/*.in)
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = $(wildcard $(srcdir)/systemd/*.service)
EXTRA_DIST += README.md dev .ci/run .clang-format \
	$(wildcard $(srcdir)/tests/integration/*.py) \
	$(wildcard $(srcdir)/tests/sim/*.py) \
	$(wildcard $(srcdir)/tests/browser/*.py) \
	$(wildcard $(srcdir)/bench/*)
