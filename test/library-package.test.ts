import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

/*
 * The package as a cdk8s app of someone else's gets it: `npm pack` of this repository (as built by
 * `npm run build`), installed with npm into a copy of examples/cdk8s-postgres, which then runs its
 * own `npm test` there: tsc compiles the app against the package's .d.ts (skipLibCheck off, through
 * package.json "exports"), and node's test runner holds the app's dist/ to the installed CLI's synth
 * of equivalent.yaml and runs validate on it. Then `cdk8s synth` runs the app as cdk8s-cli does,
 * with the package's validation plugin.
 *
 * Offline: npm takes the tarball from disk, and the app's other dependencies (cdk8s, constructs,
 * typescript, @types/node) are copied from this repository's node_modules, at the versions the
 * example pins, before `npm install --offline` runs; a missing one fails, it is never fetched.
 */

const ROOT = join(__dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'cdk8s-postgres');
const FROM_REPO = ['cdk8s', 'constructs', 'typescript', '@types/node', 'undici-types'];

function npm(args: string[], cwd: string): string {
  const opts: SpawnSyncOptions = { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } };
  const r = spawnSync('npm', args, opts);
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${r.status} in ${cwd}:\n${r.stdout}${r.stderr}`);
  return String(r.stdout);
}

describe('the packed package in a cdk8s app of its own', () => {
  it('installs offline, compiles against its types, and writes what the CLI writes', () => {
    for (const built of ['build/lib/index.js', 'build/types/lib.d.ts', 'build/cli.js']) {
      expect(existsSync(join(ROOT, built)), `${built} is missing: npm run build first`).toBe(true);
    }
    const dir = tempDir('omp-package-');
    // --ignore-scripts: prepare would build again (npm test has just built).
    const tarball = join(dir, npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop()!);
    const listed = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    expect(listed).toContain('package/build/lib/index.js');
    expect(listed).toContain('package/build/types/lib.d.ts');
    expect(listed).toContain('package/runtime/launch.sh');
    expect(listed.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);

    const app = join(dir, 'app');
    cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/[\\/](node_modules|build|dist)$/.test(src) });
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    // The example depends on this checkout (file:../..); here, on the packed tarball.
    pkg.dependencies['opencode-memory-pod'] = `file:${tarball}`;
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const pinned = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const name of FROM_REPO) {
      const from = join(ROOT, 'node_modules', name);
      const version = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
      if (pinned[name]) expect(version, `${name} in node_modules is not the example's`).toBe(pinned[name]);
      cpSync(from, join(app, 'node_modules', name), { recursive: true });
    }
    // --legacy-peer-deps: npm 11 would resolve the peers afresh from the registry; they are here already.
    npm(['install', '--offline', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund'], app);
    const installed = join(app, 'node_modules', 'opencode-memory-pod');
    expect(statSync(installed).isDirectory()).toBe(true);
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'build', 'package.json', 'runtime']);

    // The example's own test: tsc (against the package's .d.ts), then node --test.
    const output = npm(['test'], app);
    expect(output).toMatch(/# pass 2\n/);
    expect(output).toMatch(/# fail 0\n/);

    // `cdk8s synth` of the example's cdk8s.yaml (this checkout's cdk8s-cli, through its offline
    // wrapper): the app writes dist/, its manifests reach cdk8s' output folder, and the package's
    // validation plugin, loaded from the installed package, finds no error there.
    const cdk8s = spawnSync(process.execPath, [join(ROOT, 'tools', 'cdk8s-offline.js'), 'synth'], { cwd: app, encoding: 'utf8' });
    expect(cdk8s.status, `${cdk8s.stdout}${cdk8s.stderr}`).toBe(0);
    expect(cdk8s.stdout).toMatch(/errors\s+│ 0 /);
    expect(cdk8s.stdout).toMatch(/Validations ended succesfully/);
    expect(readFileSync(join(app, 'build', 'cdk8s.out', 'pod.yaml'), 'utf8')).toBe(readFileSync(join(app, 'dist', 'pod.yaml'), 'utf8'));
  });
});
