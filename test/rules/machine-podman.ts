// The podman of one booted test machine (test/e2e/lib/machine.sh, mode "rules"), driven from
// outside: commands run inside through nsenter + systemd-run, so podman gets the machine's systemd
// (health check timers, cgroups) as on a real host; files are written under the machine's root.
// Every command is bounded twice: RuntimeMaxSec ends the unit inside, and the client is killed a
// little later, so a `kube play` that waits forever costs its bound, never the suite.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the bound ended it. */
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface RunOptions {
  /** Seconds before the command is ended (default 60). */
  readonly timeoutSeconds?: number;
}

let unitSerial = 0;

export class MachinePodman {
  constructor(
    /** PID of the machine's init, as seen from outside. */
    private readonly leader: string,
    /** The machine's root folder, as seen from outside. */
    private readonly root: string,
  ) {}

  /** Runs a command inside the machine (e.g. ['podman', 'ps']). */
  run(argv: readonly string[], options: RunOptions = {}): CommandResult {
    const timeout = options.timeoutSeconds ?? 60;
    const unit = `omp-rules-${process.pid}-${++unitSerial}`;
    const args = [
      '-t',
      this.leader,
      '-a',
      'systemd-run',
      '--wait',
      '--pipe',
      '-q',
      `--unit=${unit}`,
      '-p',
      'KillMode=process',
      '-p',
      `RuntimeMaxSec=${timeout}`,
      '-p',
      'TimeoutStopSec=3',
    ];
    const t0 = Date.now();
    const r = spawnSync('nsenter', [...args, '--', ...argv], {
      encoding: 'utf8',
      timeout: (timeout + 10) * 1000,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ms = Date.now() - t0;
    const timedOut = ms >= timeout * 1000 - 200 || r.error !== undefined;
    if (r.error) spawnSync('nsenter', ['-t', this.leader, '-a', 'systemctl', 'kill', '-s', 'KILL', `${unit}.service`], { stdio: 'ignore' });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut, ms };
  }

  /** `podman ARGS`, run in / as under systemd (a relative hostPath resolves there). */
  podman(args: readonly string[], options: RunOptions = {}): CommandResult {
    return this.run(['podman', ...args], options);
  }

  /** Writes a file at `path` inside the machine. */
  writeFile(path: string, text: string, mode = 0o644): void {
    const outside = this.outside(path);
    mkdirSync(dirname(outside), { recursive: true });
    writeFileSync(outside, text, { mode });
  }

  /** Creates a folder at `path` inside the machine. */
  mkdir(path: string): void {
    mkdirSync(this.outside(path), { recursive: true });
  }

  /** The machine path `path` as seen from outside. */
  outside(path: string): string {
    return join(this.root, path);
  }
}
