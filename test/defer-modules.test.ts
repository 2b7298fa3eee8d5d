import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers';

// tools/cdk8s-offline.js (npx cdk8s) leaves cdk8s-cli's code generators unloaded for synth
// (tools/defer-modules.js). These are the wrapper's own (node_modules/.bin/cdk8s of this checkout).

const { DEFERRED } = createRequire(__filename)('../tools/defer-modules.js') as { DEFERRED: string[] };
const CLI_LIB = join(dirname(createRequire(__filename).resolve('cdk8s-cli/package.json')), 'lib');

describe('npx cdk8s synth without the code generators (tools/defer-modules.js)', () => {
  it('defers only ES modules compiled to CommonJS, as cdk8s-cli resolves them', () => {
    const fromCli = createRequire(join(CLI_LIB, 'index.js'));
    for (const request of DEFERRED) expect((fromCli(request) as { __esModule?: boolean }).__esModule, request).toBe(true);
  });

  it('a stand-in is the module once used: properties, a call, new, instanceof, import * as', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'node_modules', 'fake'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'fake', 'index.js'),
      `Object.defineProperty(exports, '__esModule', { value: true }); globalThis.fakeLoads = (globalThis.fakeLoads || 0) + 1;
       class Thing { constructor(n) { this.n = n; } } exports.Thing = Thing; exports.twice = (x) => 2 * x;`,
    );
    mkdirSync(join(dir, 'lib'));
    writeFileSync(
      join(dir, 'lib', 'user.js'),
      `const star = (m) => (m && m.__esModule ? m : { default: m });
       const fake = star(require('fake'));
       module.exports = () => [globalThis.fakeLoads || 0, fake.twice(21), new fake.Thing(3).n, new fake.Thing(1) instanceof fake.Thing, globalThis.fakeLoads, require('fake') === require('fake')];`,
    );
    const script = `require(${JSON.stringify(join(REPO, 'tools', 'defer-modules.js'))}).deferModules(['fake'], ${JSON.stringify(join(dir, 'lib'))});
      console.log(JSON.stringify(require(${JSON.stringify(join(dir, 'lib', 'user.js'))})()));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // Not loaded by the require, loaded once by the first use.
    expect(JSON.parse(r.stdout)).toEqual([0, 42, 3, true, 1, true]);
  });

  it('synth validates and writes as before, and loads none of them', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'cdk8s.yaml'),
      `app: node ${join(REPO, 'build', 'main.js')}\noutput: out\nvalidations:\n  - package: ${join(REPO, 'build', 'cdk8s-validation.js')}\n    version: 0.1.0\n    class: PodmanValidation\n    properties: {podman: all}\n`,
    );
    const preload = join(dir, 'loaded.js');
    writeFileSync(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify(Object.keys(require.cache))));`,
    );
    const r = spawnSync(process.execPath, ['-r', preload, join(REPO, 'tools', 'cdk8s-offline.js'), 'synth'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Validations ended succesfully');
    expect(r.stderr).toMatch(/wrote \d+ files to dist\//);
    const loaded = JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as string[];
    // ajv's runtime helpers are table's (the report), not ajv's compiler.
    const packages = [...DEFERRED.filter((d) => d !== 'ajv'), 'typescript'].map((d) => `/node_modules/${d.split('/')[0]}/`);
    expect(loaded.filter((f) => packages.some((p) => f.includes(p)) || (f.includes('/node_modules/ajv/') && !f.includes('/ajv/dist/runtime/')))).toEqual([]);
  });
});
