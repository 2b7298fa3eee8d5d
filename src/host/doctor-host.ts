import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** How doctor reaches the host's tools; tests replace them. */
export interface DoctorHost {
  /** Runs a command; its exit code and stdout, or undefined when it cannot run. */
  run(cmd: string, args: readonly string[]): { status: number; stdout: string } | undefined;
  /** True when systemd is the init system here (systemctl can answer). */
  systemdRunning(): boolean;
  /** True when containers can get a memory limit: cgroup v2 lists the memory controller, or v1 mounts it. */
  memoryController(): boolean;
}

export const realHost: DoctorHost = {
  run(cmd, args) {
    try {
      return { status: 0, stdout: execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) };
    } catch (e) {
      const err = e as { status?: number | null; stdout?: string; code?: string };
      if (err.code === 'ENOENT' || typeof err.status !== 'number') return undefined;
      return { status: err.status, stdout: err.stdout ?? '' };
    }
  },
  systemdRunning: () => existsSync('/run/systemd/system'),
  memoryController: () => {
    const v2 = '/sys/fs/cgroup/cgroup.controllers';
    if (existsSync(v2)) return readFileSync(v2, 'utf8').split(/\s+/).includes('memory');
    return existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  },
};
