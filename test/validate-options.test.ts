import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers';

const cli = (args: string[], cwd = REPO) => spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), ...args], { cwd, encoding: 'utf8' });

describe('validate options', () => {
  it('--help lists the choices of --format and the forms of --target', () => {
    const help = cli(['validate', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('(choices: "text", "json", default: "text")');
    // The same form as synth's --target, from the target registry.
    const form =
      '-t, --target <targets> one target, or several separated by a comma (e.g. podman,kubernetes): podman for podman kube play and systemd, kubernetes for a Kubernetes 1.29+ cluster;';
    expect(help).toContain(`${form} named files: one target, default podman`);
    expect(cli(['synth', '--help']).stdout.replace(/\s+/g, ' ')).toContain(form);
  });

  it('a --format commander refuses is one line, exit 2', () => {
    const r = cli(['validate', '--format', 'xml', 'x.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      "opencode-memory-pod: validate: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json.",
    ]);
  });

  it('--target takes the list synth takes: each target checks its own part of dist/', () => {
    const dir = tempDir();
    expect(cli(['synth', '-o', 'dist', '--target', 'podman,kubernetes'], dir).status).toBe(0);
    const both = cli(['validate', '--podman', '4.3.1', '-t', 'podman, kubernetes'], dir);
    expect(both.stderr).toBe('');
    expect(both.stdout).toMatch(/checked for podman 4\.3\.1 \(Kubernetes 1\.28 schema\) and Kubernetes 1\.29 \(Kubernetes 1\.28 schema\): 0 error\(s\)/);
    const one = cli(['validate', '--podman', '4.3.1', '--target', 'kubernetes'], dir);
    expect(one.stdout).toMatch(/objects in \d+ files checked for Kubernetes 1\.29 \(Kubernetes 1\.28 schema\): 0 error/);
  });

  it('named files are checked for one target: a list is refused with what to do instead', () => {
    const r = cli(['validate', '--target', 'podman,kubernetes', 'examples/hand-written-pod.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'opencode-memory-pod: validate: --target "podman,kubernetes": named files are checked for one target; give one of podman, kubernetes, or name no files to check each target\'s part of dist/',
    ]);
    const unknown = cli(['validate', '--target', 'podman,nomad']);
    expect(unknown.stderr.trim()).toBe('opencode-memory-pod: validate: --target "podman,nomad": expected podman, kubernetes, or several separated by a comma');
  });
});
