import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../src/lib/env-file';
import { REPO, shells, tempDir } from './helpers';
import { HOSTILE, KEYS, SKIPPED } from './hostile-env';

describe('env-file parser (TypeScript, used by doctor)', () => {
  it('reads values literally', () => {
    const { values, skipped } = parseEnvFile(HOSTILE);
    expect(values.get('PLAIN')).toBe('value with spaces');
    expect(values.get('SUBST')).toBe('$(touch PWNED_SUBST)');
    expect(values.get('DQ')).toBe('double $(touch PWNED_DQ) `id` \\" inner');
    expect(values.get('SQ')).toBe('single $HOME ; rm -rf /');
    expect(values.get('EQUALS')).toBe('a=b=c==');
    expect(values.get('EXPORTED')).toBe('yes');
    expect(values.get('CRLF')).toBe('windows');
    expect(values.get('SPACEKEY')).toBe('spaced');
    expect(values.get('QUOTE_ONLY')).toBe('"');
    expect(values.get('MISMATCH')).toBe('"open\'');
    expect(values.get('DUP')).toBe('second');
    expect(values.get('LAST')).toBe('no-newline');
    expect(values.get('ARITH')).toBe('$((1+$(touch PWNED_ARITH2)))');
    expect(skipped.slice(0, 3).map((s) => s.reason)).toEqual(['invalid name', 'invalid name', "no '='"]);
    expect(skipped.slice(3)).toEqual(
      Object.entries(SKIPPED).map(([k, line]) => ({
        line,
        reason: /[a-z]/.test(k) ? `${k} is not upper case ([A-Z_][A-Z0-9_]*)` : `${k} is reserved (it would change how the launcher or the container runs)`,
      })),
    );
    for (const k of Object.keys(SKIPPED)) expect(values.has(k), k).toBe(false);
  });
});

describe('env-file reader in the pod (runtime/envfile.sh) under real shells', () => {
  const available = shells();
  it('has at least dash and busybox to test with', () => {
    expect(available.map((s) => s[0])).toEqual(expect.arrayContaining(['dash', 'busybox']));
  });

  for (const sh of available) {
    it(`${sh.join(' ')}: exports exactly what the TypeScript parser reads, and runs nothing`, () => {
      const dir = tempDir();
      const envFile = join(dir, 'opencode.env');
      writeFileSync(envFile, HOSTILE, { mode: 0o600 });
      // After loading, the shell must still split words on blanks, find commands on the old PATH,
      // and keep its own lower-case variables (a key may not reach any of them).
      const script = `name=mine; timeout=7; . '${REPO}/runtime/envfile.sh'; omp_load_env "$1" '*' || exit 9; for k in ${KEYS.join(' ')}; do printf '%s\\0' "$k=$(printenv "$k")"; done
        set -- a,b c; printf 'words=%s\\0' "$#"; printf 'path=%s\\0' "$PATH"; printf 'own=%s-%s\\0' "$name" "$((timeout + 1))"; printf 'home=%s\\0' "\${HOME-unset}"; printf 'ld=%s\\0' "\${LD_PRELOAD-unset}"`;
      const run = spawnSync(sh[0], [...sh.slice(1), '-c', script, 'sh', envFile], { cwd: dir, env: { PATH: process.env.PATH!, HOME: '/root-home' } });
      expect(run.status, run.stderr.toString()).toBe(0);
      const fromShell = new Map(
        run.stdout
          .toString('utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const fromTs = parseEnvFile(HOSTILE).values;
      for (const key of KEYS) expect(fromShell.get(key), key).toBe(fromTs.get(key));
      for (const f of ['PWNED_SUBST', 'PWNED_TICK', 'PWNED_DQ', 'PWNED_SEMI', 'PWNED_ARITH', 'PWNED_ARITH2']) expect(existsSync(join(dir, f))).toBe(false);
      expect(run.stderr.toString()).toMatch(/line 19: invalid name, skipped/);
      expect(fromShell.get('words')).toBe('2');
      expect(fromShell.get('path')).toBe(process.env.PATH);
      expect(fromShell.get('own')).toBe('mine-8');
      expect(fromShell.get('home')).toBe('/root-home');
      expect(fromShell.get('ld')).toBe('unset');
      for (const [k, line] of Object.entries(SKIPPED)) {
        expect(run.stderr.toString()).toMatch(
          new RegExp(
            `line ${line}: ${k} is (reserved \\(it would change how the launcher or the container runs\\)|not upper case \\(\\[A-Z_\\]\\[A-Z0-9_\\]\\*\\)), skipped`,
          ),
        );
      }
      // The skipped lines' values never reach the log.
      expect(run.stderr.toString()).not.toMatch(/evil|PWNED_ARITH|other/);
    });

    it(`${sh.join(' ')}: exports only the listed keys and reports an unreadable file`, () => {
      const dir = tempDir();
      const envFile = join(dir, 'opencode.env');
      writeFileSync(envFile, 'A=1\nB=2\nC=3\n');
      const ok = spawnSync(sh[0], [...sh.slice(1), '-c', `. '${REPO}/runtime/envfile.sh'; omp_load_env "$1" 'A C'; echo "$A-\${B-unset}-$C"`, 'sh', envFile]);
      expect(ok.stdout.toString().trim()).toBe('1-unset-3');
      const missing = spawnSync(sh[0], [...sh.slice(1), '-c', `. '${REPO}/runtime/envfile.sh'; omp_load_env "$1" '*'`, 'sh', join(dir, 'nope.env')]);
      expect(missing.status).toBe(1);
      expect(missing.stderr.toString()).toMatch(/cannot read env file .*nope\.env/);
    });
  }
});
