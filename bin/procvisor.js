#!/usr/bin/env node
// procvisor's command line: registers tsx (so there is no build step) and runs the commander
// program of src/cli/. Subcommands live in src/cli/, one file each.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a command is done when it resolves, whatever handles remain.
process.exit(await main(process.argv.slice(2)));
