#!/usr/bin/env node
// procvisor's command line: runs the commander program of src/cli/ (subcommands there, one file
// each), compiled to dist/ by `npm run build` (which `npm ci` runs through `prepare`).
// `#cli` is a private import of package.json: dist/cli/main.js, or, under
// `node --conditions=procvisor-source --import tsx`, the TypeScript source (the specs do that).
import process from 'node:process';

const { main } = await import('#cli');
// Exit explicitly: a command is done when it resolves, whatever handles remain.
process.exit(await main(process.argv.slice(2)));
