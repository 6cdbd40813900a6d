// Package e2e holds the end-to-end tests of the notebooks under notebooks/: they run on
// the GoNB kernel under Jupyter (nbconvert headless, and the classic Notebook driven by
// headless Chromium through chromedp), and the exported HTML is checked in Chromium.
//
// The tests have the build tag e2e and need what scripts/install-test-deps.sh installs:
//
//	scripts/install-test-deps.sh && go test -tags e2e ./e2e/
//
// Environment: ARTIFACTS_DIR (screenshots, executed notebooks; default e2e/artifacts),
// NOTEBOOKLETS_NODE_MODULES (JS assets; default e2e/node_modules), E2E_CHROMIUM
// (default /usr/bin/chromium).
package e2e
