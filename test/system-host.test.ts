import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveHost } from '../src/cli/install';
import { install } from '../src/host/install';
import { HostUnits, realSystemHost, UnitError } from '../src/host/system-host';
import { uninstall } from '../src/host/uninstall';
import { FakeSystemd } from './fake-systemd';
import { dist, tempDir } from './helpers';

const UNIT = 'podman-kube@-etc-opencode\\x2dmemory\\x2dpod-pod.yaml.service';

/**
 * A systemctl and a podman as real programs first on PATH: each call that changes something is appended
 * to $dir/calls (queries are not), a unit is active while $dir/active/<unit> exists, every image is
 * in local storage; FAKE_FAIL names one call that fails as systemctl does.
 */
function fakeTools(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'active'));
  mkdirSync(join(dir, 'enabled'));
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\nstate=${dir}\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  script(
    'systemctl',
    `case $1 in
  is-active) [ -e "$state/active/$2" ] && { echo active; exit 0; }; echo inactive; exit 3 ;;
  is-enabled) [ -e "$state/enabled/$2" ] && { echo enabled; exit 0; }; echo disabled; exit 1 ;;
  is-failed) echo inactive; exit 1 ;;
  show) echo no; exit 0 ;;
esac
echo "systemctl $*" >>"$state/calls"
[ "systemctl $*" = "\${FAKE_FAIL:-}" ] && { echo "Failed to $1 $2: Unit $2 not loaded." >&2; exit 5; }
case $1 in
  stop) rm -f "$state/active/$2" ;;
  start) : >"$state/active/$2" ;;
  enable) : >"$state/enabled/$2" ;;
  disable) rm -f "$state/enabled/$2" ;;
esac`,
  );
  script(
    'podman',
    `case "$1 $2" in
  'pod inspect'|'pod exists'|'network exists') exit 1 ;;
  'image exists') exit 0 ;;
esac
echo "podman $*" >>"$state/calls"`,
  );
  return dir;
}

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
  delete process.env.FAKE_FAIL;
});

describe('the host commands, as real processes', () => {
  it('install and uninstall run systemctl as a program: a config change stops, reloads and starts; uninstall stops, disables, reloads', () => {
    const tools = fakeTools();
    process.env.PATH = `${join(tools, 'bin')}:${PATH}`;
    const root = tempDir();
    const log: string[] = [];
    install({ from: dist(), root }, realSystemHost, (l) => log.push(l));
    writeFileSync(join(tools, 'active', UNIT), '');
    writeFileSync(join(tools, 'enabled', UNIT), '');
    install({ from: dist({ services: { valkey: { maxmemory: '1gb' } } }), root }, realSystemHost, (l) => log.push(l));
    uninstall({ root }, realSystemHost, (l) => log.push(l));
    expect(readFileSync(join(tools, 'calls'), 'utf8').trim().split('\n')).toEqual([
      'systemctl daemon-reload',
      `systemctl stop ${UNIT}`,
      'systemctl daemon-reload',
      `systemctl start ${UNIT}`,
      `systemctl stop ${UNIT}`,
      `systemctl disable ${UNIT}`,
      'systemctl daemon-reload',
    ]);
    expect(log).toContain(`summary: 1 file(s) changed, 0 removed; restarted '${UNIT}' (pod.yaml changed)`);
  });

  it('a failing systemctl: its own words, its exit code, and the command, quoted as a shell would need', () => {
    const tools = fakeTools();
    process.env.PATH = `${join(tools, 'bin')}:${PATH}`;
    process.env.FAKE_FAIL = `systemctl stop ${UNIT}`;
    expect(() => new HostUnits(realSystemHost).systemctl('stop', UNIT)).toThrow(
      new UnitError(`systemctl stop '${UNIT}' exited 5: Failed to stop ${UNIT}: Unit ${UNIT} not loaded.`),
    );
    expect(realSystemHost.run('no-such-program-omp', [])).toBeUndefined();
  });

  it('only this host, and only with systemd, is live: --root DIR (not /) runs no systemctl', () => {
    const host = new FakeSystemd();
    expect(liveHost(undefined, host)).toBe(host);
    expect(liveHost('/', host)).toBe(host);
    expect(liveHost('//', host)).toBe(host);
    expect(liveHost('/srv/image', host)).toBeUndefined();
    expect(liveHost(undefined, { ...host, run: host.run, systemdRunning: () => false, memoryController: () => true })).toBeUndefined();
  });
});
