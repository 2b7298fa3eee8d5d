import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load';
import { ConfigError } from '../src/lib/config-error';
import { parseEnvFile } from '../src/lib/env-file';
import { PodModel } from '../src/model/pod-model';
import { receivesKey } from '../src/model/secret-keys';
import { splitEnvScript } from '../src/render/split-env';
import { buildModel } from '../src/app/synth';
import { model, shells, tempDir } from './helpers';
import { HOSTILE } from './hostile-env';

/** Keys of every service, a stray one, and keys only a careless pattern would hand out. */
const SERVICE_LINES = [
  'VALKEY_PASSWORD=valkey-secret',
  'FALKORDB_PASSWORD="falkor secret"',
  'DD_API_KEY=dd-secret',
  'DD_SITE=datadoghq.eu',
  'OPENAI_API_KEY=sk-openai',
  "ANTHROPIC_API_KEY='sk-ant $(id)'",
  'AWS_SECRET_ACCESS_KEY=aws-secret',
  'OPENCODE_SERVER_PASSWORD=oc-secret',
  'OTEL_RESOURCE_ATTRIBUTES=a=b',
  'STRAY_TOKEN=nobody-gets-this',
];

function runSplit(sh: string[], script: string, envFile: string, out: string, ...args: string[]) {
  return spawnSync(sh[0], [...sh.slice(1), script, ...args, ...(envFile ? [envFile] : [])], {
    env: { PATH: process.env.PATH, OMP_SECRETS_DIR: out },
    cwd: join(out, '..'),
    encoding: 'utf8',
  });
}

function setup(m: PodModel, lines: string) {
  const dir = tempDir('omp-split-');
  const script = join(dir, 'split-env.sh');
  writeFileSync(script, splitEnvScript(m));
  const envFile = join(dir, 'host.env');
  writeFileSync(envFile, lines, { mode: 0o600 });
  return { dir, script, envFile, out: join(dir, 'secrets') };
}

describe('secret key patterns', () => {
  it('include by name or glob, exclude with !', () => {
    const p = ['OPENCODE_*', '*_API_KEY', 'VALKEY_PASSWORD', '!DD_*'];
    expect(receivesKey(p, 'OPENCODE_SERVER_PASSWORD')).toBe(true);
    expect(receivesKey(p, 'OPENAI_API_KEY')).toBe(true);
    expect(receivesKey(p, 'VALKEY_PASSWORD')).toBe(true);
    expect(receivesKey(p, 'DD_API_KEY')).toBe(false);
    expect(receivesKey(p, 'VALKEY_PASSWORD_OLD')).toBe(false);
    expect(receivesKey(p, 'FALKORDB_PASSWORD')).toBe(false);
    expect(receivesKey(['A*B*C'], 'AXBYC')).toBe(true);
    expect(receivesKey(['A*B*C'], 'AXBY')).toBe(false);
  });

  it('the defaults give each service only its own keys; the Datadog key reaches only Datadog', () => {
    const m = model({ services: { graphiti: { enabled: true } } });
    const who = (key: string) => m.stages.filter((s) => receivesKey(s.spec.secrets.receives, key)).map((s) => s.spec.name);
    expect(who('VALKEY_PASSWORD')).toEqual(['valkey', 'opencode']);
    expect(who('FALKORDB_PASSWORD')).toEqual(['falkordb', 'opencode', 'graphiti']);
    expect(who('DD_API_KEY')).toEqual(['datadog']);
    expect(who('OPENCODE_SERVER_PASSWORD')).toEqual(['opencode']);
    expect(who('OPENAI_API_KEY')).toEqual(['opencode', 'graphiti']);
    expect(who('ANTHROPIC_API_KEY')).toEqual(['opencode']);
    expect(who('STRAY_TOKEN')).toEqual([]);
  });

  it('bad patterns and lists that leave out what a service reads are configuration errors naming the field', () => {
    const problems = (input: object) => {
      try {
        buildModel(parseConfig(input));
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
      return '';
    };
    expect(problems({ services: { valkey: { secretKeys: ['valkey_password'] } } })).toMatch(
      /services\.valkey\.secretKeys\.0: .*valkey_password|services\.valkey\.secretKeys.*must be an env-file key/,
    );
    expect(problems({ services: { datadog: { secretKeys: ['DD_$(id)'] } } })).toMatch(/services\.datadog\.secretKeys/);
    expect(problems({ services: { valkey: { secretKeys: ['REDIS_*'] } } })).toMatch(
      /services\.valkey\.secretKeys: got .*REDIS_\*.*must include VALKEY_PASSWORD: valkey reads it/,
    );
    expect(problems({ services: { opencode: { secretKeys: ['*_API_KEY', '!OPENCODE_*'] } } })).toMatch(
      /services\.opencode\.secretKeys: .*must include OPENCODE_SERVER_PASSWORD/,
    );
    expect(problems({ services: { datadog: { secretKeys: ['!DD_*'] } } })).toMatch(/services\.datadog\.secretKeys: .*at least one key or pattern/);
    expect(problems({ services: { opencode: { secretKeys: ['OPENCODE_*', 'ANTHROPIC_API_KEY'] } } })).toBe('');
    // All at once, not the first only.
    const both = problems({ services: { valkey: { secretKeys: ['REDIS_*'] }, datadog: { secretKeys: ['!DD_*'] } } });
    expect(both).toMatch(/services\.valkey\.secretKeys: .*must include VALKEY_PASSWORD/);
    expect(both).toMatch(/services\.datadog\.secretKeys: .*at least one key or pattern/);
  });
});

describe('split-env.sh (every shell present: dash, busybox sh, bash)', () => {
  const m = model();
  const text = `${HOSTILE}\n${SERVICE_LINES.join('\r\n')}\n`;

  for (const sh of shells()) {
    it(`${sh.join(' ')}: each container's file holds exactly the keys its service receives, read the same as the host file`, () => {
      const { dir, script, envFile, out } = setup(m, text);
      const r = runSplit(sh, script, envFile, out);
      expect(r.status, r.stderr).toBe(0);
      const host = parseEnvFile(text).values;
      for (const { spec } of m.stages) {
        const file = join(out, `${spec.name}.env`);
        expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
        const got = parseEnvFile(readFileSync(file, 'utf8'));
        expect(got.skipped).toEqual([]);
        const expected = [...host.entries()].filter(([k]) => receivesKey(spec.secrets.receives, k));
        expect([...got.values.entries()].sort()).toEqual(expected.sort());
      }
      expect((statSync(out).mode & 0o777).toString(8)).toBe('700');
      expect(readdirSync(out).sort()).toEqual(['datadog.env', 'falkordb.env', 'opencode.env', 'valkey.env']);
      expect(readFileSync(join(out, 'valkey.env'), 'utf8')).toBe('VALKEY_PASSWORD=valkey-secret\n');
      expect(readFileSync(join(out, 'datadog.env'), 'utf8')).toBe('DD_API_KEY=dd-secret\nDD_SITE=datadoghq.eu\n');
      // Nothing ran: values are data.
      expect(readdirSync(dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);
      // Skipped and stray lines are reported by their line in the host file; no value is printed.
      const lines = HOSTILE.split('\n').length;
      expect(r.stderr).toContain(`host.env line 26: IFS is reserved`);
      expect(r.stderr).toContain(`host.env line ${lines + SERVICE_LINES.length}: no container receives STRAY_TOKEN`);
      for (const secret of ['valkey-secret', 'falkor secret', 'dd-secret', 'sk-openai', 'oc-secret', 'nobody-gets-this']) {
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
      expect(r.stdout).toContain(`${out}/opencode.env: 7 key(s)`);
    });
  }

  it('agrees with the TypeScript patterns on many keys and custom patterns (every shell)', () => {
    const custom = model({
      services: { opencode: { secretKeys: ['OPENCODE_*', 'A*B*C', '*_KEY', '!SECRET_*', '!*_OLD_KEY'] }, datadog: { secretKeys: ['DD_*', '!DD_APP_*'] } },
    });
    const parts = ['A', 'B', 'C', 'DD', 'APP', 'SECRET', 'OLD', 'KEY', 'OPENCODE', 'X', 'VALKEY', 'PASSWORD'];
    const keys = new Set<string>(['OPENCODE_SERVER_PASSWORD']);
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 16) % n);
    while (keys.size < 300) keys.add(Array.from({ length: 1 + rnd(4) }, () => parts[rnd(parts.length)]).join('_'));
    const lines = [...keys].map((k, i) => `${k}=v${i}`).join('\n') + '\n';
    for (const sh of shells()) {
      const { script, envFile, out } = setup(custom, lines);
      const r = runSplit(sh, script, envFile, out);
      expect(r.status, r.stderr).toBe(0);
      for (const { spec } of custom.stages) {
        const got = [...parseEnvFile(readFileSync(join(out, `${spec.name}.env`), 'utf8')).values.keys()];
        expect(got, `${sh[0]} ${spec.name}`).toEqual([...keys].filter((k) => receivesKey(spec.secrets.receives, k)));
      }
    }
  });

  it('a missing env file fails with its name and writes nothing; --remove takes only its own files', () => {
    const sh = shells()[0];
    const { dir, script, out } = setup(m, '');
    const missing = join(dir, 'nope.env');
    const r = runSplit(sh, script, missing, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`env file ${missing} is missing or unreadable`);
    expect(existsSync(out)).toBe(false);

    const { envFile } = setup(m, 'VALKEY_PASSWORD=x\n');
    expect(runSplit(sh, script, envFile, out).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const rm = runSplit(sh, script, '', out, '--remove');
    expect(rm.status).toBe(0);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });

  it('--plain needs its own folder and keeps the last value of a key; a key set twice is reported', () => {
    const sh = shells()[0];
    const { dir, script, envFile, out } = setup(m, 'VALKEY_PASSWORD=first\nVALKEY_PASSWORD="  last  "\n');
    const noDir = spawnSync(sh[0], [...sh.slice(1), script, '--plain', envFile], { env: { PATH: process.env.PATH }, encoding: 'utf8', cwd: dir });
    expect(noDir.status).toBe(2);
    expect(noDir.stderr).toContain('--plain needs OMP_SECRETS_DIR');
    const plain = runSplit(sh, script, envFile, out, '--plain');
    expect(plain.status, plain.stderr).toBe(0);
    expect(readFileSync(join(out, 'valkey.env'), 'utf8')).toBe('VALKEY_PASSWORD=  last  \n');
    expect(plain.stderr).toContain('line 2: VALKEY_PASSWORD is set again; its last value counts');
    // Without --plain the lines are kept as written: the launcher takes the last one.
    expect(runSplit(sh, script, envFile, out).status).toBe(0);
    expect(readFileSync(join(out, 'valkey.env'), 'utf8')).toBe('VALKEY_PASSWORD=first\nVALKEY_PASSWORD="  last  "\n');
    expect(readdirSync(out).sort()).toEqual(['datadog.env', 'falkordb.env', 'opencode.env', 'valkey.env']);
  });

  it('refuses a secrets directory that is a link', () => {
    const sh = shells()[0];
    const { dir, script, envFile, out } = setup(m, 'VALKEY_PASSWORD=x\n');
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), out);
    const r = runSplit(sh, script, envFile, out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('must be a directory (not a link)');
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });
});
