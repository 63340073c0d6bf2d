import { readFileSync } from 'node:fs';

/** The files of the `/inspect` page: plain HTML, CSS and one browser script, no build step. */
export interface PageAsset {
  contentType: string;
  body: string;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'inspect.css': 'text/css; charset=utf-8',
  'inspect.js': 'text/javascript; charset=utf-8',
};

/** Reads every page file from `src/inspect/page/` once; the router serves them from memory. */
export function loadPageAssets(): Map<string, PageAsset> {
  const assets = new Map<string, PageAsset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    assets.set(name, { contentType, body: readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8') });
  }
  return assets;
}
