# deploy/local.mk -- what `make install` lays out besides the programs and
# the dashboard: the manual pages, the example config (as scannd.conf too
# when there is none), and the deployment examples' tests (the systemd
# unit, the nginx reverse proxy).  scannd finds the dashboard under
# $(pkgdatadir) and the worker beside itself, without being told.

dist_man_MANS = deploy/man/scannd.8 deploy/man/scann-worker.1

scannconfdir = $(sysconfdir)/scann
dist_scannconf_DATA = deploy/scannd.conf.example

# scannd.conf from the example, never over an operator's own; uninstall
# removes it only while it is still the example.
install-data-local: install-scannd-conf
install-scannd-conf:
	@$(MKDIR_P) '$(DESTDIR)$(scannconfdir)'
	@if test ! -e '$(DESTDIR)$(scannconfdir)/scannd.conf'; then \
		echo " $(INSTALL_DATA) scannd.conf.example '$(DESTDIR)$(scannconfdir)/scannd.conf'"; \
		$(INSTALL_DATA) '$(srcdir)/deploy/scannd.conf.example' \
			'$(DESTDIR)$(scannconfdir)/scannd.conf'; \
	fi
uninstall-local: uninstall-scannd-conf
uninstall-scannd-conf:
	-cmp -s '$(srcdir)/deploy/scannd.conf.example' \
		'$(DESTDIR)$(scannconfdir)/scannd.conf' && \
		rm -f '$(DESTDIR)$(scannconfdir)/scannd.conf'
.PHONY: install-scannd-conf uninstall-scannd-conf

# After `make install` (distcheck runs this): the installed scannd serves
# the installed dashboard and finds the installed worker unaided.
installcheck-local:
	SCANN_TEST_DATA='$(abs_top_srcdir)/tests/data' \
		bash '$(srcdir)/tests/deploy/installcheck.sh' \
		'$(DESTDIR)$(bindir)' '$(DESTDIR)$(pkgdatadir)' \
		'$(DESTDIR)$(mandir)' '$(DESTDIR)$(scannconfdir)'

DEPLOY_TESTS = tests/deploy/test_man.sh tests/deploy/test_systemd.sh \
	tests/deploy/test_nginx.sh
TESTS += $(DEPLOY_TESTS)
EXTRA_DIST += $(DEPLOY_TESTS) tests/deploy/lib.sh tests/deploy/installcheck.sh

# The systemd unit, with this install's paths.
systemdunitdir = $(prefix)/lib/systemd/system
nodist_systemdunit_DATA = deploy/scannd.service
deploy/scannd.service: $(srcdir)/deploy/scannd.service.in Makefile
	$(MKDIR_P) deploy
	sed -e 's|@bindir@|$(bindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
		'$(srcdir)/deploy/scannd.service.in' >$@.tmp && mv $@.tmp $@
CLEANFILES += deploy/scannd.service
EXTRA_DIST += deploy/scannd.service.in deploy/nginx/scannd.conf
