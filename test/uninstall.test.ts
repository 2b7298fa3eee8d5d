import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { install, InstallIOError } from '../src/host/install';
import { RECEIPT_DIR } from '../src/host/receipt';
import { uninstall, UninstallOptions, UninstallRefused } from '../src/host/uninstall';
import { FakeSystemd } from './fake-systemd';
import { dist, REPO, tempDir } from './helpers';

const UNIT = 'podman-kube@-etc-opencode\\x2dmemory\\x2dpod-pod.yaml.service';
const QUADLET = 'opencode-memory-pod.service';
const WATCHDOG = 'opencode-memory-pod-watchdog.service';
const CLI = join(REPO, 'build', 'cli.js');
const cli = (args: string[], cwd = REPO) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

function run(options: UninstallOptions, host?: FakeSystemd): string {
  const lines: string[] = [];
  uninstall(options, host, (l) => lines.push(l));
  return lines.join('\n');
}

/** An installed, enabled, running pod under a temporary root, with data in Valkey's directory. */
function installed(kind: 'podman-kube' | 'quadlet' = 'podman-kube', input?: ConfigInput): { root: string; host: FakeSystemd; from: string } {
  const from = dist(input);
  const root = tempDir();
  const host = new FakeSystemd();
  install({ from, root, unit: kind }, host, () => {});
  const unit = kind === 'quadlet' ? QUADLET : UNIT;
  host.active.add(unit).add(WATCHDOG);
  (kind === 'quadlet' ? host.generated : host.enabled).add(unit);
  host.podOf.set(unit, 'opencode-memory-pod');
  host.pods.set('opencode-memory-pod', Math.ceil(Date.now() / 1000) + 1);
  host.networks.set('opencode-memory-pod', 'strict');
  writeFileSync(join(root, 'persist/containers/valkey/dump.rdb'), 'the data');
  host.calls.length = 0;
  return { root, host, from };
}

/** Every path below dir (folders end in /). */
function paths(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(e.isDirectory() ? `${p.slice(dir.length)}/` : p.slice(dir.length));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('uninstall', () => {
  it('stops and disables the unit, removes every file install wrote, daemon-reload, removes the network; only the data is left', () => {
    const { root, host } = installed();
    const out = run({ root }, host);
    expect(host.calls).toEqual([
      `systemctl stop ${UNIT}`,
      `systemctl disable ${UNIT}`,
      `systemctl stop ${WATCHDOG}`,
      'systemctl daemon-reload',
      'podman network rm opencode-memory-pod',
    ]);
    expect(paths(root).filter((p) => !p.startsWith('/persist/containers/'))).toEqual(['/persist/']);
    expect(readFileSync(join(root, 'persist/containers/valkey/dump.rdb'), 'utf8')).toBe('the data');
    expect(out).toContain(`kept data directory ${join(root, 'persist/containers/valkey')} (uninstall --purge --yes deletes it)`);
    expect(out).toContain('removed podman network opencode-memory-pod');
    expect(out).toMatch(
      /^note: the images stay in podman's storage: podman rmi docker\.io\/valkey\/valkey:\S+ .*localhost\/opencode-server:\S+ .*\(when no other pod uses them\)$/m,
    );
    expect(out).toContain('summary: uninstalled pod opencode-memory-pod: 8 file(s) removed, 0 left (changed since install); data directories kept: 3');
    // Again: nothing to do.
    host.calls.length = 0;
    expect(run({ root, from: join(root, 'no-dist') }, host)).toMatch(/^nothing to uninstall: no receipt in /);
    expect(host.calls).toEqual([]);
  });

  it("a unit its stop leaves failed (podman 4.3.1's service container exits 137) is reset, so systemd lists nothing of it", () => {
    const { root, host } = installed();
    host.stopFails.add(UNIT);
    const out = run({ root }, host);
    expect(host.calls).toContain(`systemctl reset-failed ${UNIT}`);
    expect(host.failed.size).toBe(0);
    expect(out).toContain(`reset the failed state of '${UNIT}' (systemctl reset-failed)`);
  });

  it('leaves a file changed since install and names it; --dry-run prints the plan and changes nothing', () => {
    const { root, host } = installed('quadlet');
    const kube = join(root, 'etc/containers/systemd/opencode-memory-pod.kube');
    writeFileSync(kube, `${readFileSync(kube, 'utf8')}# my own line\n`);
    const before = paths(root);
    const dry = run({ root, dryRun: true }, host);
    expect(host.calls).toEqual([]);
    expect(paths(root)).toEqual(before);
    expect(dry).toContain(`would stop '${QUADLET}'`);
    expect(dry).toContain(`would remove ${join(root, 'etc/opencode-memory-pod/pod.yaml')}`);
    expect(dry).toContain('summary: would uninstall pod opencode-memory-pod: 7 file(s) to remove, 1 left');

    const out = run({ root }, host);
    // A Quadlet unit is not disabled: it goes with its file at daemon-reload.
    expect(host.calls).toEqual([`systemctl stop ${QUADLET}`, `systemctl stop ${WATCHDOG}`, 'systemctl daemon-reload', 'podman network rm opencode-memory-pod']);
    expect(out).toContain(`left ${kube}: changed since install wrote it; remove it yourself if it is not wanted: rm '${kube}'`);
    expect(existsSync(kube)).toBe(true);
    expect(existsSync(join(root, RECEIPT_DIR))).toBe(false);
  });

  it('--purge names the data directories and what they hold, and without --yes changes nothing (exit 2); with --yes deletes them', () => {
    const { root, host } = installed();
    const before = paths(root);
    let error: Error | undefined;
    const lines: string[] = [];
    try {
      uninstall({ root, purge: true }, host, (l) => lines.push(l));
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(UninstallRefused);
    expect(error!.message).toBe('--purge deletes those for good: add --yes to do it; nothing was changed');
    expect(lines.join('\n')).toContain(`  ${join(root, 'persist/containers/valkey')} (1 file(s), 0.0 kB)`);
    expect(host.calls).toEqual([]);
    expect(paths(root)).toEqual(before);

    const out = run({ root, purge: true, yes: true }, host);
    expect(out).toContain(`deleted data directory ${join(root, 'persist/containers/valkey')} (1 file(s), 0.0 kB)`);
    expect(out).toContain('data directories deleted: 3');
    expect(paths(root)).toEqual(['/persist/', '/persist/containers/']);
  });

  it('is all or nothing: a file that cannot be removed puts every file back and starts the unit again', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-02T03:04:05Z'));
    const { root, host } = installed();
    // Where watchdog.sh would be set aside there is a folder with something in it: rename fails.
    mkdirSync(join(root, 'etc/opencode-memory-pod/watchdog.sh.omp-removing-20300102T030405Z/x'), { recursive: true });
    const before = paths(root);
    expect(() => run({ root, purge: true, yes: true }, host)).toThrow(InstallIOError);
    expect(() => run({ root }, host)).toThrow(/nothing was uninstalled \(the host is as it was\)/);
    expect(paths(root)).toEqual(before);
    expect(host.calls.slice(0, 6)).toEqual([
      `systemctl stop ${UNIT}`,
      `systemctl disable ${UNIT}`,
      `systemctl stop ${WATCHDOG}`,
      `systemctl start ${WATCHDOG}`,
      `systemctl enable ${UNIT}`,
      `systemctl start ${UNIT}`,
    ]);
  });

  it('an install made before receipts: the files dist/install.json names that carry the generated header; nothing else', () => {
    const { root, host, from } = installed();
    rmSync(join(root, RECEIPT_DIR), { recursive: true });
    const mine = join(root, 'etc/opencode-memory-pod/notes.txt');
    writeFileSync(mine, 'mine');
    const out = run({ root, from }, host);
    expect(out).toContain('summary: uninstalled pod opencode-memory-pod: 8 file(s) removed');
    expect(readdirSync(join(root, 'etc/opencode-memory-pod'))).toEqual(['notes.txt']);
    expect(host.calls).toContain(`systemctl disable ${UNIT}`);
  });

  it('several pods: --pod picks one; without it, or with a pod that is not there, exit 2 naming them', () => {
    const { root, host } = installed();
    install(
      { from: dist({ podName: 'other', installPath: '/etc/other/pod.yaml', services: { valkey: { dataDir: '/persist/other/valkey' } } }), root },
      undefined,
      () => {},
    );
    expect(() => run({ root }, host)).toThrow('several pods are installed here (opencode-memory-pod, other): name one with --pod');
    expect(() => run({ root, pod: 'nope', from: join(root, 'none') }, host)).toThrow(
      `--pod nope: no install of that pod here (receipts: opencode-memory-pod, other; no ${join(root, 'none', 'install.json')})`,
    );
    run({ root, pod: 'other' }, host);
    expect(readdirSync(join(root, RECEIPT_DIR))).toEqual(['opencode-memory-pod.json']);
    expect(existsSync(join(root, 'etc/opencode-memory-pod/pod.yaml'))).toBe(true);
  });
});

describe('uninstall and install, the command', () => {
  it('staging (--root): no systemctl; prints the lines to run; bad options exit 2 naming the option', () => {
    const from = dist();
    const root = tempDir();
    expect(cli(['install', '--from', from, '--root', root]).status).toBe(0);
    const r = cli(['uninstall', '--root', root]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Then run (on the host whose root this is):\n  systemctl disable --now '${UNIT}'`);
    expect(paths(root).filter((p) => !p.startsWith('/persist/containers/'))).toEqual(['/persist/']);

    const yes = cli(['uninstall', '--root', root, '--yes']);
    expect(yes.status).toBe(2);
    expect(yes.stderr).toBe('opencode-memory-pod: --yes only confirms --purge (deleting the data directories); uninstall alone asks nothing\n');
    const missing = cli(['uninstall', '--root', join(root, 'nope')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`opencode-memory-pod: --root ${join(root, 'nope')}: no such folder\n`);
    expect(cli(['install', '--from', from, '--root', root]).status).toBe(0);
    const purge = cli(['uninstall', '--root', root, '--purge']);
    expect(purge.status).toBe(2);
    expect(purge.stdout).toContain(
      `uninstall --purge would delete the data directories of pod opencode-memory-pod, with everything in them:\n  ${root}/persist/containers/valkey`,
    );
    expect(existsSync(join(root, 'etc/opencode-memory-pod/pod.yaml'))).toBe(true);
  });
});
