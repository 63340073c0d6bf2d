#!/usr/bin/env node
// `npm run lint:layers` (part of `npm test`): the dependency rules of src/, checked on every
// import (type-only and dynamic ones included): the layers point one way
// (http → supervisor → spawn), the client, chat tools and testing kit reach no server-only
// code, web/ (HTTP plumbing shared by http/ and gitwatch/) stays below both, the protocol and
// leaf modules stay leaves, and neither a module nor a folder imports itself through a cycle.
// No exceptions: every violation fails.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LEAVES = ['src/config.ts', 'src/logger.ts', 'src/errors.ts', 'src/clock.ts', 'src/auth-token-file.ts', 'src/describe-issues.ts'];
const SERVER_ONLY = /^(src\/(http|web|gitwatch|store|ops|inspect|cli|mcp)\/|src\/(service|run-service|main)\.ts$|koa$|@koa\/router$|ws$|better-sqlite3$|prom-client$)/;

/** Each rule: the importing files it governs, and the imports (src paths or package names) it forbids. */
const RULES = [
  { name: 'supervisor/ imports no HTTP, git watch, store or Koa', from: /^src\/supervisor\//, forbid: /^(src\/(http|web|gitwatch|store|ops|inspect|cli|mcp)\/|koa$|@koa\/router$)/ },
  { name: 'spawn/ imports neither supervisor/ nor HTTP nor xstate', from: /^src\/spawn\//, forbid: /^(src\/(supervisor|http|web|gitwatch|store|ops|inspect|cli|mcp)\/|xstate$|koa$)/ },
  { name: 'client/, tools/ and the testing kit import no server-only code', from: /^src\/(client\/|tools\/|testing\/|testing\.ts$)/, forbid: SERVER_ONLY },
  { name: 'web/ (HTTP plumbing shared by http/ and gitwatch/) imports no routes, git watch or supervisor', from: /^src\/web\//, forbid: /^src\/(http|gitwatch|supervisor|store|ops|inspect|cli|mcp)\// },
  { name: 'protocol/ imports only leaves and libraries', from: /^src\/protocol\//, forbid: /^src\/(?!protocol\/|errors\.ts$|describe-issues\.ts$)/ },
  { name: 'leaf modules import only leaves', from: new RegExp(`^(${LEAVES.join('|').replaceAll('.', '\\.')})$`), forbid: new RegExp(`^src/(?!(${LEAVES.map((leaf) => leaf.slice(4)).join('|').replaceAll('.', '\\.')})$)`) },
];

function sourceFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The imports of one file: src paths for relative ones, package names for the rest (node: builtins left out). */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName }) => {
    if (fileName.startsWith('.')) return [relative(ROOT, join(ROOT, dirname(file), fileName)).replace(/\.js$/, '.ts')];
    if (fileName.startsWith('node:')) return [];
    const parts = fileName.split('/');
    return [fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? fileName)];
  });
}

const files = sourceFiles('src');
const graph = new Map(files.map((file) => [file, [...new Set(importsOf(file))]]));
const found = [];
for (const [file, imports] of graph) {
  for (const rule of RULES) {
    if (!rule.from.test(file)) continue;
    for (const target of imports) if (rule.forbid.test(target)) found.push(`${rule.name}: ${file} → ${target}`);
  }
}

/** Strongly connected components of more than one node (Tarjan), each as a sorted list. */
function cyclicComponents(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const connect = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return components;
}

/** One shortest cycle through the first node of a component (breadth-first), to name it. */
function shortestCycle(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const path = [node];
        while (previous.get(path[0]) !== null) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return component;
}

// Module cycles, then cycles between the folders of src/ (a file directly in src/ is its own node).
for (const component of cyclicComponents(graph)) found.push(`cycle among ${component.join(', ')}: ${shortestCycle(graph, component).join(' → ')}`);
const folderOf = (file) => file.split('/').slice(0, 2).join('/');
const folders = new Map();
for (const [file, imports] of graph) {
  const targets = folders.get(folderOf(file)) ?? new Set();
  for (const target of imports) if (graph.has(target) && folderOf(target) !== folderOf(file)) targets.add(folderOf(target));
  folders.set(folderOf(file), targets);
}
for (const component of cyclicComponents(folders)) found.push(`folder cycle among ${component.join(', ')}: ${shortestCycle(folders, component).join(' → ')}`);

for (const violation of found) console.error(`violation: ${violation}`);
console.log(`layers: ${files.length} modules, ${found.length} violations`);
if (found.length > 0) process.exitCode = 1;
