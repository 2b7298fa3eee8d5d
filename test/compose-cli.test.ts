import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImportCompose } from '../src/cli/import';
import { REPO, tempDir } from './helpers';

const COMPOSE = `services:
  db:
    image: postgres:16.4
    entrypoint: [docker-entrypoint.sh, postgres]
    environment: { POSTGRES_PASSWORD: s3cr3t-in-compose, POSTGRES_USER: app }
    healthcheck: { test: [CMD, pg_isready, -U, app], interval: 5s }
    networks: [back]
networks: { back: {} }
`;

function setup(compose = COMPOSE) {
  const dir = tempDir();
  const file = join(dir, 'docker-compose.yml');
  writeFileSync(file, compose);
  return { dir, file, out: join(dir, 'opencode-memory-pod.yaml') };
}

function call(opts: Partial<Parameters<typeof runImportCompose>[0]> & { file: string; out: string }) {
  let stdout = '';
  let stderr = '';
  const code = runImportCompose(
    { inspect: false, ...opts },
    (s) => (stdout += s),
    (s) => (stderr += s),
  );
  return { code, stdout, stderr };
}

describe('opencode-memory-pod import compose', () => {
  it('writes the configuration and prints the report (keys, never values)', () => {
    const { file, out } = setup();
    const r = call({ file, out });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const written = readFileSync(out, 'utf8');
    expect(written).toContain('    image: docker.io/library/postgres:16.4\n');
    expect(written).toContain('    secretKeys: [ POSTGRES_PASSWORD ]\n');
    expect(r.stdout).toMatch(/^imported 1 service from .*docker-compose.yml into .*opencode-memory-pod.yaml: db\n/);
    expect(r.stdout).toContain('  - services.db.networks: the containers of a pod share one network namespace');
    expect(r.stdout).toMatch(/\n {2}POSTGRES_PASSWORD {2}db \(environment\)\n/);
    expect(written + r.stdout).not.toContain('s3cr3t-in-compose');
  });

  it('never replaces an existing file unless --force', () => {
    const { file, out } = setup();
    writeFileSync(out, 'mine: true\n');
    const r = call({ file, out });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out} exists: not overwritten (--force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('mine: true\n');
    expect(call({ file, out, force: true }).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('services:\n  db:\n');
  });

  it('-o - prints the configuration on stdout and the report on stderr', () => {
    const { file, dir } = setup();
    const r = call({ file, out: '-' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Imported from /);
    expect(r.stdout).toContain('\nservices:\n  db:\n');
    expect(r.stderr).toContain('imported 1 service');
    expect(readdirSync(dir)).toEqual(['docker-compose.yml']);
  });

  it('a compose file it cannot read: every problem named, exit 2, nothing written', () => {
    const { file, out, dir } = setup('services:\n  web:\n    image: nginx:1.27.3\n    ports: ["80:eighty"]\n    restart: sometimes\n');
    const r = call({ file, out });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `opencode-memory-pod: import compose: cannot import ${file}:\n` +
        '  - services.web.ports[0]: got "80:eighty"; the container port must be a port from 1 to 65535\n' +
        '  - services.web.restart: got "sometimes"; must be "no", always, on-failure[:N] or unless-stopped\n' +
        'opencode-memory-pod: nothing written\n',
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['docker-compose.yml']);
  });

  it('--rename gives a service its configuration name; a bad one is refused', () => {
    const { file, out } = setup();
    expect(call({ file, out: '-', rename: ['db=database'] }).stdout).toContain('\n  database:\n');
    const bad = call({ file, out, rename: ['db'] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rename db: must be COMPOSE_NAME=NAME');
  });

  it('runs as the built CLI (build/cli.js)', () => {
    const { file, dir } = setup();
    const r = spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), 'import', 'compose', file, '--no-inspect'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'opencode-memory-pod.yaml'), 'utf8')).toContain('services:\n  db:\n');
    const again = spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), 'import', 'compose', file], { cwd: dir, encoding: 'utf8' });
    expect(again.status).toBe(2);
  });
});

describe("README's import example", () => {
  it('runs as shown on the Airflow file, and every line shown is in its output (lines ending in ... as a prefix)', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block = /<!-- test: test\/compose-cli\.test\.ts runs the next block[^\n]*\n```\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README.md has no block marked for test/compose-cli.test.ts').toBeDefined();
    const [command, ...shown] = block!.split('\n');
    const words = /^\$ ([A-Z_]+)=(\S+) npx opencode-memory-pod (import compose \S+)\s+#/.exec(command);
    expect(words, `the example's command: ${command}`).not.toBeNull();
    const [, name, value, args] = words!;
    const dir = tempDir();
    for (const f of ['docker-compose.yaml']) writeFileSync(join(dir, f), readFileSync(join(REPO, 'test', 'fixtures', 'compose', 'airflow', f)));
    const run = spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), ...args.split(' '), '--no-inspect'], {
      cwd: dir,
      env: { PATH: process.env.PATH, [name]: value },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout.split('\n');
    const missing = shown.filter((line) => {
      const cut = line.indexOf('...');
      return cut < 0 ? !out.includes(line) : !out.some((o) => o.startsWith(line.slice(0, cut).trimEnd()));
    });
    expect(missing).toEqual([]);
  });
});
