import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// The package as a user gets it: `npm pack`, the tarball installed into a plain project
// (procvisor's production dependencies only, as npm installs any dependency), then plain `node`
// and `tsc` against it. Slow (the install compiles node-pty and better-sqlite3), so it is not
// matched by `npm run spec`; `npm run test:package` runs it, and `.ci/run` after `npm test`.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** The consumer's own tools, at the versions the repository uses (so the npm cache has them). */
const TOOL_VERSIONS = ['typescript', '@types/node'].map((name) => `${name}@${(JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`); never rejects, the caller asserts. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: error !== null && typeof error.code !== 'number' ? `${stderr}\n${error.message}` : stderr });
    });
  });
}

function succeeded(result: Run, what: string): Run {
  expect(result.code, `${what} failed:\n${result.stdout}\n${result.stderr}`).to.equal(0);
  return result;
}

interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

/** The README's ```ts block that imports from `entry` (exactly one must). */
function readmeExample(readme: string, entry: string): string {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const matching = blocks.filter((block) => block.includes(`from '${entry}';`));
  expect(matching, `README blocks importing '${entry}'`).to.have.length(1);
  return matching[0] ?? '';
}

/** Replaces `from` (which must occur) in a README example, e.g. its fixed URL by a test service's. */
function substitute(example: string, from: string, to: string): string {
  expect(example, 'the README example changed; update the packaging spec').to.include(from);
  return example.replace(from, to);
}

const START_TEST_SERVICE = [
  "import { createLogger as procvisorLogger, loadConfig as procvisorConfig, startService as startProcvisor } from 'procvisor';",
  "const server = await startProcvisor({ config: procvisorConfig({ ...process.env, PORT: '0' }), log: procvisorLogger({ level: 'silent' }) });",
].join('\n');

describe('the packed package, installed into a plain project', function () {
  this.timeout(15 * 60_000);
  let work: string;
  let consumer: string;
  let packed: PackResult;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'procvisor-package-'));
    consumer = join(work, 'consumer');
    const packStart = performance.now();
    const pack = succeeded(await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 5 * 60_000 }), 'npm pack');
    // npm prints the prepare script's output before the JSON.
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as PackResult[])[0] as PackResult;
    const packMs = performance.now() - packStart;
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
    // The native modules build from source; point node-gyp at the machine's headers (as .ci/run does).
    const env: NodeJS.ProcessEnv = existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {};
    const installStart = performance.now();
    succeeded(
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename), ...TOOL_VERSIONS], { cwd: consumer, env, timeoutMs: 12 * 60_000 }),
      'npm install of the tarball',
    );
    const installMs = performance.now() - installStart;
    console.log(
      `      packed ${packed.filename}: ${(packed.size / 1024).toFixed(1)} kB, ${packed.entryCount} files (unpacked ${(packed.unpackedSize / 1024).toFixed(1)} kB); ` +
        `npm pack (with the build) ${(packMs / 1000).toFixed(1)} s, npm install ${(installMs / 1000).toFixed(1)} s`,
    );
  });

  after(() => {
    // PROCVISOR_PACKAGE_SPEC_KEEP=1 keeps the tarball and the consumer project for a closer look.
    if (process.env.PROCVISOR_PACKAGE_SPEC_KEEP === '1') console.log(`      kept ${work}`);
    else if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  describe('the tarball', () => {
    it('holds the build, the bin, the default config, README and LICENSE', () => {
      const paths = packed.files.map((file) => file.path);
      for (const path of ['package.json', 'README.md', 'LICENSE', 'bin/procvisor.js', 'config/default.json', 'dist/index.js', 'dist/index.d.ts', 'dist/client/procvisor-client.js', 'dist/tools/chat-tools.d.ts', 'dist/testing.js', 'dist/cli/main.js', 'dist/inspect/page/index.html', 'dist/inspect/page/inspect.js']) {
        expect(paths).to.include(path);
      }
    });

    it('holds no sources, specs, benchmarks, CI or tool configuration', () => {
      const allowed = /^(dist\/|bin\/|native\/|config\/default\.json$|binding\.gyp$|package\.json$|README\.md$|LICENSE$)/;
      const stray = packed.files.map((file) => file.path).filter((path) => !allowed.test(path));
      expect(stray).to.deep.equal([]);
      expect(packed.files.filter((file) => /\.spec\.|^spec\/|^bench\/|^\.ci\//.test(file.path))).to.deep.equal([]);
    });

    it('installs without TypeScript loaders or server-only type packages', () => {
      for (const name of ['tsx', '@types/koa', '@types/ws', 'mocha', 'chai']) expect(existsSync(join(consumer, 'node_modules', name)), name).to.equal(false);
    });
  });

  describe('plain node', () => {
    it('imports every entry point as ES modules', async () => {
      const code = [
        "const root = await import('procvisor');",
        "const client = await import('procvisor/client');",
        "const tools = await import('procvisor/tools');",
        "const testing = await import('procvisor/testing');",
        'console.log(JSON.stringify([typeof root.startService, typeof root.loadConfig, typeof root.Supervisor, typeof client.ProcvisorClient, typeof client.chatHeaders, typeof tools.createChatTools, typeof testing.createTestSupervisor, typeof testing.SimulatedClock, "createApp" in root]));',
      ].join('\n');
      const result = succeeded(await run(process.execPath, ['--input-type=module', '-e', code], { cwd: consumer }), 'ESM imports');
      expect(JSON.parse(result.stdout)).to.deep.equal(['function', 'function', 'function', 'function', 'function', 'function', 'function', 'function', false]);
    });

    it('requires every entry point from CommonJS (require of ES modules, Node 20.19+)', async () => {
      const code = [
        "const { ProcvisorClient, chatHeaders } = require('procvisor/client');",
        "console.log(typeof ProcvisorClient, Object.keys(chatHeaders('c')).join(','));",
        "console.log(typeof require('procvisor').startService, typeof require('procvisor/tools').createChatTools, typeof require('procvisor/testing').createTestSupervisor);",
      ].join('\n');
      const result = succeeded(await run(process.execPath, ['--input-type=commonjs', '-e', code], { cwd: consumer }), 'CommonJS require');
      expect(result.stdout.trim().split('\n')).to.deep.equal(['function coder-chat-id,coder-ancestor-chat-ids', 'function function function']);
    });
  });

  describe('tsc --noEmit of a consumer', () => {
    const settings = {
      'nodenext, strict + exactOptionalPropertyTypes': { module: 'nodenext', moduleResolution: 'nodenext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
      'nodenext, strict: false': { module: 'nodenext', moduleResolution: 'nodenext', strict: false },
      'bundler, strict + exactOptionalPropertyTypes': { module: 'preserve', moduleResolution: 'bundler', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
      'bundler, strict: false': { module: 'preserve', moduleResolution: 'bundler', strict: false },
    };
    const typeCheck = async (options: Record<string, unknown>): Promise<Run> => {
      writeFileSync(join(consumer, 'consumer.ts'), readFileSync(new URL('fixtures/consumer.ts', import.meta.url), 'utf8'));
      const tsconfig = { compilerOptions: { target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], noEmit: true, ...options }, files: ['consumer.ts'] };
      writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      return run(process.execPath, [join(consumer, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer });
    };
    for (const [name, options] of Object.entries(settings)) {
      it(`type-checks under ${name}`, async () => {
        succeeded(await typeCheck({ ...options, skipLibCheck: true }), `tsc (${name})`);
      });

      // With skipLibCheck off, procvisor's declarations are checked too: a type from a package
      // the consumer does not have (Koa's, say) or one that fails this setting shows up. Other
      // packages' own declarations are not procvisor's to fix (xstate's fail under
      // exactOptionalPropertyTypes and strict: false), so only errors in procvisor's files and
      // the consumer count.
      it(`finds no error in procvisor's declarations under ${name} (skipLibCheck: false)`, async () => {
        const result = await typeCheck({ ...options, skipLibCheck: false });
        const errors = result.stdout.split('\n').filter((line) => /^\S+\(\d+,\d+\): error /.test(line));
        const ours = errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/procvisor/'));
        expect(ours, result.stdout).to.deep.equal([]);
        if (result.code !== 0) expect(errors, 'tsc failed without naming a file').to.not.be.empty;
      });
    }
  });

  describe('the README examples, run with plain node from the installed package', () => {
    const readme = (): string => readFileSync(join(consumer, 'node_modules/procvisor/README.md'), 'utf8');
    const runExample = async (file: string, source: string): Promise<Run> => {
      writeFileSync(join(consumer, file), source);
      return succeeded(await run(process.execPath, [file], { cwd: consumer, timeoutMs: 60_000 }), `${file}:\n${source}\n`);
    };

    it('runs the library example', async () => {
      const example = readmeExample(readme(), 'procvisor');
      const result = await runExample('library.mjs', [
        "process.env.PORT = '0'; // the example listens on the default port otherwise",
        example,
        "const health = await fetch(`${service.url}/healthz`);",
        "console.log('healthz', health.status, service.url);",
        'await service.close();',
      ].join('\n'));
      expect(result.stdout).to.match(/^healthz 200 http:\/\/127\.0\.0\.1:\d+$/m);
    });

    it('runs the SDK example', async () => {
      const example = substitute(readmeExample(readme(), 'procvisor/client'), "url: 'http://127.0.0.1:8420'", 'url: server.url');
      const result = await runExample('sdk.mjs', [
        START_TEST_SERVICE,
        "const chatId = '3f1c2a9e-8d4b-4c7a-9e2f-1b6d5a4c3e2f';",
        "const parentChatId = '9b2d4c1e-5a6f-4e3d-8c2b-1a0f9e8d7c6b';",
        example,
        'console.log(JSON.stringify({ running: out.running, exit_code: out.exit_code }));',
        'await server.close();',
      ].join('\n'));
      expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')).to.deep.equal({ running: false, exit_code: -1 });
    });

    it('runs the chat tools example', async () => {
      const example = readmeExample(readme(), 'procvisor/tools');
      const result = await runExample('tools.mjs', [
        START_TEST_SERVICE,
        "import { ProcvisorClient as SdkClient } from 'procvisor/client';",
        'const agent = new SdkClient({ url: server.url });',
        example,
        'console.log(text);',
        'await agent.close();',
        'await server.close();',
      ].join('\n'));
      const answer = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as { success: boolean; exit_code: number };
      expect(answer).to.include({ success: true, exit_code: 0 });
    });

    it('runs the testing-kit example', async () => {
      const example = readmeExample(readme(), 'procvisor/testing');
      const result = await runExample('testing.mjs', [example, 'console.log(JSON.stringify([context.exitCode, context.exitReason, context.output.output]));'].join('\n'));
      expect(JSON.parse(result.stdout.trim())).to.deep.equal([-1, 'drain_cutoff', 'hi\n']);
    });
  });

  describe('the installed bin', () => {
    const bin = (): string => join(consumer, 'node_modules/.bin/procvisor');

    it('prints the version', async () => {
      const result = succeeded(await run(bin(), ['--version'], { cwd: consumer }), 'procvisor --version');
      expect(result.stdout.trim()).to.equal(PACKAGE.version);
    });

    it('serves, and runs a command through the service', async () => {
      const serve = spawn(bin(), ['serve', '--port', '0'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = once(serve, 'exit');
      try {
        let url: string | undefined;
        for await (const line of createInterface({ input: serve.stdout })) {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'procvisor listening') {
            url = entry.url;
            break;
          }
        }
        expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        const result = succeeded(await run(bin(), ['run', '--url', url ?? '', '--', 'echo', 'ok'], { cwd: consumer }), 'procvisor run');
        expect(result.stdout).to.equal('ok\n');
      } finally {
        serve.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        expect(code).to.equal(0);
      }
    });
  });
});
