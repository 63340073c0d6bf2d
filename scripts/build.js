#!/usr/bin/env node
// Builds dist/ from src/: removes the old output (so a deleted source file leaves no stale module
// behind), compiles with tsconfig.build.json (ES modules, .d.ts, source maps), and copies the
// /inspect page files, which tsc does not emit, next to the compiled page-assets.js.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(new URL('../src/inspect/page', import.meta.url), new URL('../dist/inspect/page', import.meta.url), { recursive: true });
