import { spawnSync } from 'node:child_process';
import { parsePodmanVersion, PodmanVersion } from '../lib/podman-version';
import type { DoctorHost } from './doctor-host';
import { realHost } from './doctor-host';

/** One finished command: its exit code and what it printed. */
export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How install and uninstall reach systemd and podman on a live host (never with --root): every
 * call goes through `run`, so tests replace it with a fake that records the calls.
 */
export interface SystemHost extends DoctorHost {
  /** Runs a command to its end; undefined when it cannot run at all (not installed). */
  run(cmd: string, args: readonly string[]): CommandResult | undefined;
}

export const realSystemHost: SystemHost = {
  ...realHost,
  run(cmd, args) {
    // No timeout of our own: a start waits for the pod to be healthy, bounded by the unit's
    // TimeoutStartSec; systemd ends the job, not us.
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status === null) return undefined;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  },
};

/** A unit's state as systemctl reports it. */
export interface UnitState {
  readonly active: boolean;
  readonly enabled: boolean;
  /** What `systemctl is-active` said (inactive, failed, ...), for the output. */
  readonly state?: string;
}

/** The systemctl and podman calls install and uninstall make, each one line in the output. */
export class HostUnits {
  constructor(private readonly host: SystemHost) {}

  /** active, activating (a start, or Restart= waiting) and reloading all mean the unit runs the pod. */
  state(unit: string): UnitState {
    const active = this.host.run('systemctl', ['is-active', unit])?.stdout.trim() ?? '';
    const enabled = this.host.run('systemctl', ['is-enabled', unit])?.stdout.trim() ?? '';
    // A Quadlet unit is "generated": its [Install] section enables it at every daemon-reload.
    return {
      active: ['active', 'activating', 'reloading'].includes(active),
      enabled: enabled === 'enabled' || enabled === 'generated',
      state: active || undefined,
    };
  }

  /** systemctl VERB UNIT...; throws with systemctl's own words when it fails. */
  systemctl(...args: string[]): number {
    const t0 = Date.now();
    const r = this.host.run('systemctl', args);
    if (!r) throw new UnitError(`systemctl ${args.join(' ')}: systemctl could not be run`);
    if (r.status !== 0)
      throw new UnitError(`systemctl ${quoted(args)} exited ${r.status}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').join(' ')}` : ''}`);
    return (Date.now() - t0) / 1000;
  }

  /**
   * Forgets a unit's failed state, if it has one: podman 4.3.1's service container ends with 137
   * on a stop, which leaves the stopped unit "failed", listed by systemctl even once its files are
   * gone (seen after uninstall on Debian 12). Returns the line to print, or undefined.
   */
  resetFailed(unit: string): string | undefined {
    if (this.host.run('systemctl', ['is-failed', unit])?.stdout.trim() !== 'failed') return undefined;
    const r = this.host.run('systemctl', ['reset-failed', unit]);
    return r?.status === 0 ? `reset the failed state of '${unit}' (systemctl reset-failed)` : undefined;
  }

  /** The podman here, when `podman --version` answers. */
  podmanVersion(): PodmanVersion | undefined {
    return parsePodmanVersion(this.host.run('podman', ['--version'])?.stdout ?? '');
  }

  /** systemd must read unit files again after they changed (`systemctl show -p NeedDaemonReload`). */
  needsReload(unit: string): boolean {
    return this.host.run('systemctl', ['show', '-p', 'NeedDaemonReload', '--value', unit])?.stdout.trim() === 'yes';
  }

  /** Removes the pod's own bridge when it is the one pod-network.sh made (isolate=strict); says what it did, or undefined when there is none. */
  removeNetwork(name: string): string | undefined {
    if (this.host.run('podman', ['network', 'exists', name])?.status !== 0) return undefined;
    const isolate = this.host.run('podman', ['network', 'inspect', '--format', '{{index .Options "isolate"}}', name])?.stdout.trim();
    // pod-network.sh creates it with isolate=strict and nothing else does: one without it is not ours.
    if (isolate !== 'strict') return `left podman network ${name}: not made by pod-network.sh (no isolate=strict); podman network rm ${name} if it is unused`;
    const r = this.host.run('podman', ['network', 'rm', name]);
    return r?.status === 0
      ? `removed podman network ${name}`
      : `left podman network ${name}: podman network rm failed (${r?.stderr.trim() || 'podman did not run'})`;
  }
}

/** A systemctl call failed (the unit or systemd refused). */
export class UnitError extends Error {}

/** Runs the undo steps of units, last first; one that fails is logged and the rest still run. */
export function undoAll(undo: Array<() => void>, log: (line: string) => void): void {
  for (const step of undo.reverse()) {
    try {
      step();
    } catch (e) {
      if (e instanceof UnitError) log(`could not undo: ${e.message}`);
      else throw e;
    }
  }
}

function quoted(args: string[]): string {
  return args.map((a) => (/^[\w.@:=/-]+$/.test(a) && !a.includes('\\') ? a : `'${a}'`)).join(' ');
}
