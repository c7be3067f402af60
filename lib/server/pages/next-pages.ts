/**
 * Next.js's page renderer, started for whichever process renders the pages: server.ts by default (and always in
 * development), pages-server.ts with PAGES_PROCESS=true. Loaded with `import()`, so that a server whose pages render
 * in the pages process never loads Next.js at all (pages-process.ts says why that matters).
 */
import type { PageHandler } from "./serve-pages";

export interface NextPages {
  /** Next.js's request handler: renders a page or serves an asset. */
  render: PageHandler;
  close(): Promise<void>;
}

export async function startNextPages(options: { dev: boolean; hostname: string; port: number }): Promise<NextPages> {
  const { default: next } = await import("next");
  const app = next(options);
  const handle = app.getRequestHandler();
  await app.prepare();
  return { render: (req, res) => void handle(req, res), close: () => app.close() };
}
