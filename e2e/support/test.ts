/**
 * The `test` every spec uses: Playwright's, plus one guarantee — each browser context a test opens is closed when
 * it ends. Specs open contexts of their own (one per device or person) with `browser.newContext()`, which
 * Playwright does not close: the browser lives as long as the worker, so the pages of every earlier test stayed
 * open, and once their file's server stopped they kept trying to reconnect. Late in a run dozens of such pages
 * competed with the test at hand for two cores, and ordinary steps ran past their timeouts (issue 11).
 * ESLint (eslint.config.mjs) keeps specs from importing `test` from @playwright/test directly.
 */
import { test as base } from "@playwright/test";

export { expect } from "@playwright/test";

export const test = base.extend<{ closeContextsAfterEachTest: void }>({
  closeContextsAfterEachTest: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      await Promise.all(
        browser
          .contexts()
          .filter((context) => !before.has(context))
          .map((context) => context.close()),
      );
    },
    { auto: true },
  ],
});
