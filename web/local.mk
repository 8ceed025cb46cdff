# web/local.mk -- the dashboard scannd serves at / (static files, no build
# step) and its browser tests (tests/browser: headless Debian chromium driven
# by playwright-core; run.sh skips outside CI when chromium or node_modules
# are missing).
webdir = $(pkgdatadir)/web
webjsdir = $(webdir)/js
webviewsdir = $(webjsdir)/views
dist_web_DATA = web/index.html web/style.css web/favicon.svg
dist_webjs_DATA = web/js/app.js web/js/api.js web/js/util.js web/js/model.js \
	web/js/charts.js web/js/netdraw.js web/js/schema.js
dist_webviews_DATA = web/js/views/jobs.js web/js/views/job.js \
	web/js/views/submit.js web/js/views/datasets.js web/js/views/upload.js \
	web/js/views/study.js

TESTS += tests/browser/run.sh
EXTRA_DIST += tests/browser/run.sh tests/browser/suite.mjs tests/browser/lib.mjs \
	tests/browser/README.md \
	tests/browser/package.json tests/browser/package-lock.json \
	tests/browser/tests/05-units.test.mjs tests/browser/tests/10-static.test.mjs tests/browser/tests/20-signin.test.mjs \
	tests/browser/tests/30-submit.test.mjs tests/browser/tests/35-idx.test.mjs \
	tests/browser/tests/40-jobs.test.mjs tests/browser/tests/42-target.test.mjs \
	tests/browser/tests/45-restart.test.mjs \
	tests/browser/tests/50-a11y.test.mjs

# The browser tests' screenshots and scannd logs (tests/artifacts in the
# build tree).  clean-local gets only a prerequisite here, so other
# fragments may hang their own on it too.
clean-local: clean-browser-artifacts
clean-browser-artifacts:
	-rm -rf tests/artifacts
.PHONY: clean-browser-artifacts
