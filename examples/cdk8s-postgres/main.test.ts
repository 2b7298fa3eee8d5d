// The example's own test (`npm test`: node's test runner on the compiled files). The app's dist/
// against the installed package's CLI synth of equivalent.yaml, file by file, bytes and modes; then
// the CLI's validate of the app's dist/ on every podman version it knows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strict as assert } from 'node:assert';
import { after, test } from 'node:test';
import { buildStack } from './main';

const HERE = join(__dirname, '..');
const CLI = join(dirname(require.resolve('opencode-memory-pod/package.json')), 'build', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'omp-example-'));
after(() => rmSync(work, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

function run(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: HERE, encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r;
}

test('the app writes what the CLI writes for equivalent.yaml', () => {
  const app = join(work, 'app');
  const cli = join(work, 'cli');
  const out = buildStack().writeDist(app);
  const synth = run([CLI, 'synth', '--config', 'equivalent.yaml', '--out', cli]);
  // postgres:16.4-bookworm names a line of releases: both say so, and write all the same.
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0], /^services\.postgres\.image: got "docker\.io\/library\/postgres:16\.4-bookworm"; :16\.4-bookworm is a moving tag/);
  assert.ok(synth.stderr.includes(`warning: ${out.warnings[0]}`), synth.stderr);
  assert.deepEqual(files(app), files(cli));
  assert.ok(out.files.includes('pod.yaml') && out.files.includes('install.json'));
  for (const f of files(app)) {
    assert.equal(readFileSync(join(app, f), 'utf8'), readFileSync(join(cli, f), 'utf8'), f);
    assert.equal(statSync(join(app, f)).mode, statSync(join(cli, f)).mode, `mode of ${f}`);
  }
  // PostgreSQL is in the pod, before OpenCode.
  const pod = readFileSync(join(app, 'pod.yaml'), 'utf8');
  assert.match(pod, /- name: postgres\n/);
  assert.ok(pod.indexOf('- name: postgres\n') < pod.indexOf('- name: opencode\n'), 'postgres is listed before opencode');
});

test('validate finds no error in the app dist/ on any podman version, and warns of the moving tag alone', () => {
  const app = join(work, 'app');
  const { stdout } = run([CLI, 'validate', '--podman', 'all', '--from', app]);
  assert.match(stdout, / 0 error\(s\), 1 warning\(s\)/);
  assert.match(stdout, /: warning moving-tag .*\n.*spec\.containers\[3\]\.image\n.*postgres:16\.4-bookworm/);
});
