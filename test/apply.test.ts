import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { install, InstallIOError, InstallOptions } from '../src/host/install';
import { RECEIPT_DIR } from '../src/host/receipt';
import { FakeSystemd } from './fake-systemd';
import { dist, tempDir } from './helpers';

// install() on a live host: a temporary root stands for /, and FakeSystemd for systemctl and podman.
const UNIT = 'podman-kube@-etc-opencode\\x2dmemory\\x2dpod-pod.yaml.service';
const QUADLET = 'opencode-memory-pod.service';
const WATCHDOG = 'opencode-memory-pod-watchdog.service';
const DROP_IN = `etc/systemd/system/${UNIT}.d/opencode-memory-pod.conf`;
const KUBE = 'etc/containers/systemd/opencode-memory-pod.kube';
const POD_YAML = 'etc/opencode-memory-pod/pod.yaml';

function run(options: InstallOptions, host?: FakeSystemd): string {
  const lines: string[] = [];
  install(options, host, (l) => lines.push(l));
  return lines.join('\n');
}

/** A host whose pod unit runs `from` (installed, enabled, started, the pod created after its files). */
function running(from: string, unit = UNIT, kind: InstallOptions['unit'] = 'podman-kube'): { root: string; host: FakeSystemd } {
  const root = tempDir();
  const host = new FakeSystemd();
  host.podOf.set(UNIT, 'opencode-memory-pod').set(QUADLET, 'opencode-memory-pod');
  run({ from, root, unit: kind }, host);
  host.active.add(unit).add(WATCHDOG);
  if (kind === 'quadlet') host.generated.add(unit);
  else host.enabled.add(unit);
  host.pods.set('opencode-memory-pod', Math.ceil(Date.now() / 1000) + 1);
  host.networks.set('opencode-memory-pod', 'strict');
  host.calls.length = 0;
  return { root, host };
}

/** Every file below dir with its content, links as links. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[p] = '/';
        walk(p);
      } else out[p] = e.isSymbolicLink() ? '-> link' : readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const receipt = (root: string, pod = 'opencode-memory-pod') => JSON.parse(readFileSync(join(root, RECEIPT_DIR, `${pod}.json`), 'utf8'));

describe('install on a live host (apply)', () => {
  it('first install: daemon-reload, starts nothing, says how to start; a receipt lists every file with its hash', () => {
    const from = dist();
    const root = tempDir();
    const host = new FakeSystemd();
    const out = run({ from, root }, host);
    expect(host.calls).toEqual(['systemctl daemon-reload']);
    expect(out).toContain(`summary: 8 file(s) changed, 0 removed; '${UNIT}' is not running`);
    expect(out).toContain(`Then run:\n  systemctl enable --now '${UNIT}'`);
    const r = receipt(root);
    expect(r).toMatchObject({ podName: 'opencode-memory-pod', unitKind: 'podman-kube', unit: UNIT, watchdogUnit: WATCHDOG, network: 'opencode-memory-pod' });
    expect(r.files.map((f: { path: string }) => f.path)).toContain('/etc/opencode-memory-pod/pod.yaml');
    expect(r.files.find((f: { path: string }) => f.path.endsWith('watchdog.sh')).runBy).toBe('watchdog');
    expect(r.dataDirs).toEqual(['/persist/containers/valkey', '/persist/containers/falkordb', '/persist/containers/opencode']);
  });

  it('the same dist/ again on a running pod: nothing changes, nothing restarts, not even daemon-reload', () => {
    const from = dist();
    const { root, host } = running(from);
    const out = run({ from, root }, host);
    expect(host.calls).toEqual([]);
    expect(out).toContain(`summary: 0 file(s) changed, 0 removed; '${UNIT}' runs the installed files: not restarted`);
  });

  it('a changed configuration: the unit is stopped before pod.yaml changes and started after daemon-reload; --dry-run prints the same plan and changes nothing', () => {
    const { root, host } = running(dist());
    const changed = dist({ services: { valkey: { maxmemory: '1gb' } } });
    const before = snapshot(root);
    const dry = run({ from: changed, root, dryRun: true }, host);
    expect(host.calls).toEqual([]);
    expect(snapshot(root)).toEqual(before);
    expect(dry).toContain(`would stop '${UNIT}' to change what it runs (pod.yaml changed)`);
    expect(dry).toContain(`would update ${join(root, POD_YAML)}`);
    expect(dry).toContain(`would start '${UNIT}'`);
    expect(dry).toContain(`summary: 1 file(s) to change, 0 to remove; would: restarted '${UNIT}' (pod.yaml changed)`);

    const out = run({ from: changed, root }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${UNIT}`]);
    expect(out).toMatch(new RegExp(`^updated ${join(root, POD_YAML)}$`, 'm'));
    expect(out).toContain(`summary: 1 file(s) changed, 0 removed; restarted '${UNIT}' (pod.yaml changed)`);
    expect(readFileSync(join(root, POD_YAML), 'utf8')).toContain('1gb');
    // The replaced pod.yaml was exactly what install wrote: no backup piles up.
    expect(readdirSync(join(root, 'etc/opencode-memory-pod')).filter((n) => n.includes('omp-backup'))).toEqual([]);
  });

  it('only the watchdog changed: the watchdog restarts, the pod does not', () => {
    const from = dist();
    const { root, host } = running(from);
    writeFileSync(join(from, 'libexec/watchdog.sh'), `${readFileSync(join(from, 'libexec/watchdog.sh'), 'utf8')}# changed\n`);
    const out = run({ from, root }, host);
    expect(host.calls).toEqual(['systemctl daemon-reload', `systemctl restart ${WATCHDOG}`]);
    expect(out).toContain(`'${UNIT}' runs the installed files: not restarted (its watchdog was)`);
  });

  it('a pod created before the installed files changed (an install that did not restart it) is restarted though no file changes now', () => {
    const from = dist();
    const { root, host } = running(from);
    host.pods.set('opencode-memory-pod', Math.floor(Date.now() / 1000) - 3600);
    const out = run({ from, root }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${UNIT}`]);
    expect(out).toMatch(/restarted '.*' \(\/etc\/opencode-memory-pod\/pod\.yaml, .* changed after the pod was created/);
    // systemd not having read changed unit files counts too.
    host.needReload.add(UNIT);
    host.calls.length = 0;
    expect(run({ from, root }, host)).toContain(`systemd has not read the changed unit files of ${UNIT} yet`);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${UNIT}`]);
  });

  it('podman-kube -> Quadlet -> podman-kube: the other unit is stopped (and disabled) before its files go, then the new one starts; never both', () => {
    const from = dist();
    const { root, host } = running(from);
    const out = run({ from, root, unit: 'quadlet' }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, `systemctl disable ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${QUADLET}`]);
    expect(out).toContain(`removed ${join(root, DROP_IN)} (the podman-kube unit's, replaced by the quadlet unit)`);
    expect(out).toContain(`removed empty folder ${join(root, dirname(DROP_IN))}`);
    expect(out).toContain(`started '${QUADLET}' in place of '${UNIT}'`);
    expect(existsSync(join(root, dirname(DROP_IN)))).toBe(false);
    expect(existsSync(join(root, KUBE))).toBe(true);
    expect(readFileSync(join(root, 'etc/systemd/system', WATCHDOG), 'utf8')).toContain(`PartOf=${QUADLET}`);
    expect(receipt(root).unitKind).toBe('quadlet');
    expect([...host.active].sort()).toEqual([QUADLET, WATCHDOG].sort());

    host.generated.add(QUADLET);
    host.calls.length = 0;
    const back = run({ from, root, unit: 'podman-kube' }, host);
    expect(host.calls).toEqual([`systemctl stop ${QUADLET}`, 'systemctl daemon-reload', `systemctl enable ${UNIT}`, `systemctl start ${UNIT}`]);
    expect(back).toContain(`removed ${join(root, KUBE)} (the quadlet unit's, replaced by the podman-kube unit)`);
    expect(existsSync(join(root, KUBE))).toBe(false);
    expect(existsSync(join(root, DROP_IN))).toBe(true);
    expect(receipt(root).unitKind).toBe('podman-kube');
  });

  it("an install made before receipts: the other kind's files are recognised by their generated header; a file without it is never touched", () => {
    const from = dist();
    const { root, host } = running(from);
    rmSync(join(root, RECEIPT_DIR), { recursive: true });
    const out = run({ from, root, unit: 'quadlet' }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, `systemctl disable ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${QUADLET}`]);
    // Exactly what this dist/ has for that path: removed; the watchdog's service (ours, no receipt) kept as a backup.
    expect(out).toContain(`removed ${join(root, DROP_IN)} (the podman-kube unit's (an install without a receipt), replaced by the quadlet unit)`);
    expect(out).toMatch(/installed .*opencode-memory-pod-watchdog\.service \(the previous one is kept as .*\.omp-backup-\d{8}T\d{6}Z\)/);

    // Back, with a drop-in of the user's own at our path (no generated header): left, and nothing to stop for it.
    const root2 = tempDir();
    const host2 = new FakeSystemd();
    mkdirSync(join(root2, dirname(KUBE)), { recursive: true });
    writeFileSync(join(root2, KUBE), '[Kube]\nYaml=/srv/mine.yaml\n');
    run({ from, root: root2 }, host2);
    expect(readFileSync(join(root2, KUBE), 'utf8')).toBe('[Kube]\nYaml=/srv/mine.yaml\n');
    expect(host2.calls).toEqual(['systemctl daemon-reload']);
  });

  it('a changed installPath moves the pod: the old unit is stopped and disabled, its files and folder removed, the new one enabled and started; data stays', () => {
    const { root, host } = running(dist());
    mkdirSync(join(root, 'persist/containers/valkey/x'), { recursive: true });
    writeFileSync(join(root, 'persist/containers/valkey/dump.rdb'), 'data');
    const moved = dist({ installPath: '/etc/omp/pod.yaml' });
    const newUnit = 'podman-kube@-etc-omp-pod.yaml.service';
    host.stopFails.add(UNIT); // as on podman 4.3.1: the stopped unit is left failed, and is reset
    const out = run({ from: moved, root }, host);
    expect(host.calls).toEqual([
      `systemctl stop ${UNIT}`,
      `systemctl disable ${UNIT}`,
      'systemctl daemon-reload',
      `systemctl reset-failed ${UNIT}`,
      `systemctl enable ${newUnit}`,
      `systemctl start ${newUnit}`,
    ]);
    expect(existsSync(join(root, 'etc/opencode-memory-pod'))).toBe(false);
    expect(existsSync(join(root, dirname(DROP_IN)))).toBe(false);
    expect(readdirSync(join(root, 'etc/omp')).sort()).toEqual([
      'pod-network.sh',
      'pod.yaml',
      'podman-unwedge.sh',
      'split-env.sh',
      'wait-healthy.sh',
      'watchdog.sh',
    ]);
    expect(readFileSync(join(root, 'persist/containers/valkey/dump.rdb'), 'utf8')).toBe('data');
    expect(out).toContain(`removed ${join(root, POD_YAML)} (an earlier install's, which this one does not use)`);
    expect(out).toContain(`started '${newUnit}' in place of '${UNIT}'`);
  });

  it('a renamed pod: its unit is stopped while the old files are in place (kube down of the old pod), the old watchdog, receipt and network go', () => {
    const { root, host } = running(dist());
    const renamed = dist({ podName: 'memory' });
    const out = run({ from: renamed, root }, host);
    expect(host.calls).toEqual([
      `systemctl stop ${WATCHDOG}`,
      `systemctl stop ${UNIT}`,
      'podman network rm opencode-memory-pod',
      'systemctl daemon-reload',
      `systemctl start ${UNIT}`,
    ]);
    expect(existsSync(join(root, 'etc/systemd/system', WATCHDOG))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/memory-watchdog.service'))).toBe(true);
    expect(readdirSync(join(root, RECEIPT_DIR))).toEqual(['memory.json']);
    expect(out).toContain('removed podman network opencode-memory-pod');
    expect(out).toContain(`(the earlier install of pod opencode-memory-pod, whose files lie where this one's go)`);
  });

  it('a pod whose name and paths both differ is another pod: left running, named with the uninstall that removes it', () => {
    const { root, host } = running(dist());
    const out = run({ from: dist({ podName: 'other', installPath: '/etc/other/pod.yaml' }), root }, host);
    expect(host.calls).toEqual(['systemctl daemon-reload']);
    expect(out).toContain(
      `note: pod opencode-memory-pod is installed here too ('${UNIT}'); if this install replaces it, remove it: opencode-memory-pod uninstall --pod opencode-memory-pod`,
    );
    expect(readdirSync(join(root, RECEIPT_DIR)).sort()).toEqual(['opencode-memory-pod.json', 'other.json']);
  });

  it('a unit that will not stop: nothing is installed, what was stopped runs again, and the message names the command (exit 1 class)', () => {
    const { root, host } = running(dist());
    host.failOn.set(`systemctl disable ${UNIT}`, 'Failed to disable unit: Access denied');
    const before = snapshot(root);
    let error: Error | undefined;
    try {
      run({ from: dist(), root, unit: 'quadlet' }, host);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(InstallIOError);
    expect(error!.message).toContain(
      `systemctl disable '${UNIT}' exited 1: Failed to disable unit: Access denied; nothing was installed (the host is as it was)`,
    );
    expect(error!.message).toContain(`stop it yourself (systemctl disable --now '${UNIT}'), then install again`);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, `systemctl disable ${UNIT}`, `systemctl start ${UNIT}`]);
    expect(snapshot(root)).toEqual(before);
  });

  it('a file that cannot be written after the units were stopped: the files are put back and the unit started again', () => {
    const { root, host } = running(dist());
    const before = snapshot(root);
    // The Quadlet folder is a file: the .kube cannot be staged.
    mkdirSync(join(root, 'etc/containers'), { recursive: true });
    writeFileSync(join(root, 'etc/containers/systemd'), 'in the way');
    const withBlock = snapshot(root);
    expect(() => run({ from: dist(), root, unit: 'quadlet' }, host)).toThrow(/nothing was installed \(the host is as it was\)/);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, `systemctl disable ${UNIT}`, `systemctl enable ${UNIT}`, `systemctl start ${UNIT}`]);
    expect(snapshot(root)).toEqual(withBlock);
    expect(Object.keys(before).every((k) => k in withBlock)).toBe(true);
  });

  it('the new unit does not start: exit 1 class, the files stay installed, the message says where to look', () => {
    const { root, host } = running(dist());
    host.failOn.set(`systemctl start ${UNIT}`, 'Job for x failed because the control process exited with error code.');
    expect(() => run({ from: dist({ services: { valkey: { maxmemory: '1gb' } } }), root }, host)).toThrow(
      new RegExp(`exited 1: Job for x failed .*; the files are installed \\(journalctl -u '${UNIT.replace(/\\/g, '\\\\')}' says why`),
    );
    expect(readFileSync(join(root, POD_YAML), 'utf8')).toContain('1gb');
  });

  it('--root (staging) runs no systemctl, also when units would change; it removes the enable link of a unit it replaces', () => {
    const from = dist();
    const root = tempDir();
    run({ from, root });
    const link = join(root, 'etc/systemd/system/default.target.wants', UNIT);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync('/usr/lib/systemd/system/podman-kube@.service', link);
    const out = run({ from, root, unit: 'quadlet' });
    expect(out).toContain(`removed ${link} (${UNIT} was enabled; this install replaces it)`);
    expect(out).toContain(`Then run:\n  systemctl stop '${UNIT}'\n  systemctl disable '${UNIT}'\n  systemctl daemon-reload\n  systemctl start '${QUADLET}'`);
    expect(existsSync(link)).toBe(false);
  });
});

describe('install on a live host: upgrades (an image the pod runs changes)', () => {
  const NEXT = 'localhost/opencode-server:1.19.5';

  it('a new OpenCode version whose image is not built: refused before anything changes; --dry-run says it would refuse', () => {
    const { root, host } = running(dist());
    const next = dist({ services: { opencode: { version: '1.19.5' } } });
    host.missingImages.add(NEXT);
    const before = snapshot(root);
    const dry = run({ from: next, root, dryRun: true }, host);
    expect(dry).toContain(
      `would refuse: ${NEXT} (opencode; get it: opencode-memory-pod image build) is not in local storage, and '${UNIT}' would be stopped and started again with pod.yaml naming it`,
    );
    expect(() => run({ from: next, root }, host)).toThrow(InstallIOError);
    expect(() => run({ from: next, root }, host)).toThrow(/get the image first, then install again \(nothing was changed: what runs keeps running\)/);
    expect(host.calls).toEqual([]);
    expect(snapshot(root)).toEqual(before);
    expect(host.active.has(UNIT)).toBe(true);
  });

  it('with the image there: restarted onto it, the receipt names it; setting the version back restarts onto the old image', () => {
    const from = dist();
    const { root, host } = running(from);
    const next = dist({ services: { opencode: { version: '1.19.5' } } });
    const up = run({ from: next, root }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${UNIT}`]);
    expect(up).toContain(`restarted '${UNIT}' (pod.yaml changed)`);
    expect(readFileSync(join(root, POD_YAML), 'utf8')).toContain(`image: ${NEXT}`);
    expect(receipt(root).images).toContain(NEXT);
    expect(up).toContain(
      "note: this install no longer runs localhost/opencode-server:1.18.34 (the pod before it did): kept in podman's storage, to go back to; once not needed (doctor names the images nothing uses): podman rmi localhost/opencode-server:1.18.34",
    );
    host.calls.length = 0;
    const back = run({ from, root }, host);
    expect(host.calls).toEqual([`systemctl stop ${UNIT}`, 'systemctl daemon-reload', `systemctl start ${UNIT}`]);
    expect(back).toContain(`restarted '${UNIT}' (pod.yaml changed)`);
    expect(receipt(root).images).toContain('localhost/opencode-server:1.18.34');
    expect(receipt(root).images).not.toContain(NEXT);
  });

  it('names no image for podman rmi that another installed pod still runs', () => {
    const from = dist();
    const { root, host } = running(from);
    const second = dist({
      podName: 'second',
      installPath: '/etc/second/pod.yaml',
      services: {
        valkey: { port: 16380 },
        falkordb: { hostPort: 16379, browserHostPort: 13000 },
        datadog: { apmHostPort: 18126 },
        opencode: { hostPort: 14096 },
      },
    });
    run({ from: second, root }, host);
    const up = run({ from: dist({ services: { opencode: { version: '1.19.5' } } }), root }, host);
    expect(up).toContain(`restarted '${UNIT}' (pod.yaml changed)`);
    expect(up).not.toContain('no longer runs');
  });

  it('a store image not pulled yet: refused with its podman pull line', () => {
    const { root, host } = running(dist());
    const image = 'docker.io/valkey/valkey:7.2.15';
    host.missingImages.add(image);
    expect(() => run({ from: dist({ services: { valkey: { image } } }), root }, host)).toThrow(
      `${image} (valkey; get it: podman pull ${image}) is not in local storage`,
    );
    expect(host.calls).toEqual([]);
  });

  it('a unit that does not run is not started: a missing image is a note, the files are installed', () => {
    const from = dist({ services: { opencode: { version: '1.19.5' } } });
    const root = tempDir();
    const host = new FakeSystemd();
    host.missingImages.add(NEXT);
    const out = run({ from, root }, host);
    expect(out).toContain(`note: ${NEXT} (opencode; get it: opencode-memory-pod image build) is not in local storage: the pod cannot start until it is`);
    expect(existsSync(join(root, POD_YAML))).toBe(true);
    expect(host.calls).toEqual(['systemctl daemon-reload']);
  });

  it('switching the unit kind onto a missing image is refused too: the old unit keeps running', () => {
    const { root, host } = running(dist());
    host.missingImages.add('localhost/opencode-server:1.18.34');
    expect(() => run({ from: dist(), root, unit: 'quadlet' }, host)).toThrow(`'${QUADLET}' would be started with pod.yaml naming it`);
    expect(host.calls).toEqual([]);
    expect(host.active.has(UNIT)).toBe(true);
  });
});
