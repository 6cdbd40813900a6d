// Package e2e holds the end-to-end tests of the notebooks under notebooks/: they run on the
// GoNB kernel under Jupyter from PyPI (nbconvert headless; JupyterLab 4 and Notebook 7 driven
// through their own UI in headless Chromium with chromedp: the file browser, Shift+Enter, the
// ASN selector's clicks, Ctrl+S, Shift+Tab, the Settings and Help menus), and the exported
// HTML and the reopened, untrusted notebook are checked in Chromium too. GoNB's contextual
// help is also asked over the kernel protocol (testdata/inspect_kernel.py, jupyter_client).
//
// The tests have the build tag e2e and need what scripts/install-test-deps.sh installs:
//
//	scripts/install-test-deps.sh && go test -tags e2e ./e2e/
//
// Jupyter is the one of the venv install-test-deps.sh makes ($NOTEBOOKLETS_VENVS/jupyter,
// default ~/.cache/notebooklets-test-deps/venvs/jupyter), put first on PATH by the tests.
// Environment: ARTIFACTS_DIR (screenshots, executed notebooks, timings, server logs; default
// e2e/artifacts; the live tests' working copies of the notebook always go to
// e2e/artifacts/<test>/, inside the checkout), NOTEBOOKLETS_NODE_MODULES (JS assets; default
// e2e/node_modules), E2E_CHROMIUM (default /usr/bin/chromium), E2E_JUPYTER_DEBUG=1 (the
// Jupyter servers' debug log).
package e2e
