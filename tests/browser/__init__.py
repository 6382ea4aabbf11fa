"""The browser test's machinery: a local server for a built book, Debian's Chromium driven by
Playwright, and one check per defect a reader would meet (see :mod:`tests.browser.checks`)."""
