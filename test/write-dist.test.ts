import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST_STAMP } from '../src/app/write-dist';
import { REPO, tempDir } from './helpers';

const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(REPO, 'build/cli.js'), ...args], { cwd, encoding: 'utf8' });

describe('synth writes only where it may (never deletes what it did not write)', () => {
  it('refuses a non-empty folder without its stamp: exit 2, a clear message, every file kept', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'notes.txt'), 'mine\n');
    const r = cli(dir, 'synth', '-o', 'd');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /d\/ is not empty and was not written by synth \(it has no \.opencode-memory-pod-dist\.json\): refusing to replace it \(notes\.txt\)/,
    );
    expect(readdirSync(join(dir, 'd'))).toEqual(['notes.txt']);
    expect(readdirSync(dir).filter((f) => f.startsWith('.d-'))).toEqual([]);
  });

  it('synth -o . in a folder with work in it refuses and changes nothing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'main.go'), 'package main\n');
    const r = cli(dir, 'synth', '-o', '.');
    expect(r.status).toBe(2);
    expect(readFileSync(join(dir, 'main.go'), 'utf8')).toBe('package main\n');
    expect(existsSync(join(dir, DIST_STAMP))).toBe(false);
  });

  it('replaces its own earlier output (stamp lists every file); refuses once a foreign file or folder is added', () => {
    const dir = tempDir();
    expect(cli(dir, 'synth', '-o', 'd').status).toBe(0);
    const stamp = JSON.parse(readFileSync(join(dir, 'd', DIST_STAMP), 'utf8')) as { files: string[] };
    expect(stamp.files).toContain('pod.yaml');
    expect(stamp.files).toContain('libexec/watchdog.sh');
    expect(cli(dir, 'synth', '-o', 'd').status).toBe(0);
    writeFileSync(join(dir, 'd', 'systemd', 'my-override.conf'), 'x\n');
    let r = cli(dir, 'synth', '-o', 'd');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('d/ holds files synth did not write (systemd/my-override.conf)');
    expect(readFileSync(join(dir, 'd', 'systemd', 'my-override.conf'), 'utf8')).toBe('x\n');
    spawnSync('rm', [join(dir, 'd', 'systemd', 'my-override.conf')]);
    mkdirSync(join(dir, 'd', 'keep'));
    r = cli(dir, 'synth', '-o', 'd');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('(keep/)');
  });

  it('takes an empty or missing folder, and refuses a file in its place', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'empty'));
    expect(cli(dir, 'synth', '-o', 'empty').status).toBe(0);
    expect(cli(dir, 'synth', '-o', 'new/deeper').status).toBe(0);
    writeFileSync(join(dir, 'file'), 'x');
    const r = cli(dir, 'synth', '-o', 'file');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('file exists and is not a folder');
  });
});
