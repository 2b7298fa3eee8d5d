// What a differential case sees after its manifest was played: the machine's podman, the play's
// result, and small questions to ask podman about the pod (health, bindings, mounts, processes).
import { CommandResult, MachinePodman } from './machine-podman';

/** What podman did with one manifest, as observed. */
export interface Observation {
  /** True when podman does what the rule warns about; undefined when the observation failed. */
  readonly misbehaves: boolean | undefined;
  /** What was seen, in a few words, for the table and the log. */
  readonly detail: string;
}

export const sleepMs = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export interface PortBinding {
  readonly containerPort: string;
  readonly hostIp: string;
  readonly hostPort: string;
}

export class PlayContext {
  constructor(
    readonly m: MachinePodman,
    /** The pod's name (the first Pod of the manifest). */
    readonly pod: string,
    /** The case's folder inside the machine (the manifest is pod.yaml in it). */
    readonly dir: string,
    /** The `podman kube play` run. */
    readonly play: CommandResult,
  ) {}

  /** The container `name` of pod `pod` (podman names it <pod>-<name>). */
  ctr(name: string, pod = this.pod): string {
    return `${pod}-${name}`;
  }

  /** `podman inspect --format FORMAT` of a container; '' when it does not exist. */
  inspect(name: string, format: string, pod = this.pod): string {
    const r = this.m.podman(['inspect', '--format', format, this.ctr(name, pod)], { timeoutSeconds: 20 });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  /** The whole `podman inspect` JSON of a container, as text. */
  inspectAll(name: string, pod = this.pod): string {
    return this.m.podman(['inspect', this.ctr(name, pod)], { timeoutSeconds: 20 }).stdout;
  }

  exec(name: string, argv: readonly string[], timeoutSeconds = 15, pod = this.pod): CommandResult {
    return this.m.podman(['exec', this.ctr(name, pod), ...argv], { timeoutSeconds });
  }

  /** `podman healthcheck run`: exit 0 when the check passes. */
  healthcheck(name: string, timeoutSeconds = 20): CommandResult {
    return this.m.podman(['healthcheck', 'run', this.ctr(name)], { timeoutSeconds });
  }

  /** The health check podman set up, as its Test array joined ('' when none). */
  healthTest(name: string): string {
    const json = this.inspect(name, '{{json .Config.Healthcheck}}');
    if (!json || json === 'null') return '';
    try {
      const hc = JSON.parse(json) as { Test?: string[] } | null;
      return hc?.Test?.join(' ') ?? '';
    } catch {
      return '';
    }
  }

  running(name: string, pod = this.pod): boolean {
    return this.inspect(name, '{{.State.Running}}', pod) === 'true';
  }

  /** The ports the pod publishes, from its infra container. */
  bindings(pod = this.pod): PortBinding[] {
    const infra = this.m.podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', pod], { timeoutSeconds: 20 }).stdout.trim();
    if (!infra) return [];
    const json = this.m.podman(['inspect', '--format', '{{json .HostConfig.PortBindings}}', infra], { timeoutSeconds: 20 }).stdout.trim();
    const parsed = (json && json !== 'null' ? JSON.parse(json) : {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
    return Object.entries(parsed).flatMap(([containerPort, list]) => (list ?? []).map((b) => ({ containerPort, hostIp: b.HostIp, hostPort: b.HostPort })));
  }

  /** Waits up to `seconds` for `fn` to hold; true when it did. */
  waitFor(seconds: number, fn: () => boolean): boolean {
    const end = Date.now() + seconds * 1000;
    for (;;) {
      if (fn()) return true;
      if (Date.now() > end) return false;
      sleepMs(500);
    }
  }

  /** The play's error in one line (its last non-empty stderr line). */
  playError(): string {
    const lines = `${this.play.stderr}\n${this.play.stdout}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const err = lines.filter((l) => /error|fail|panic|invalid|unknown/i.test(l));
    return (err[err.length - 1] ?? lines[lines.length - 1] ?? `exit ${this.play.code}`).slice(0, 220);
  }

  /** "played" or "refused: <error>" or "still waiting after N s". */
  playSummary(): string {
    if (this.play.timedOut) return `kube play still waiting after ${Math.round(this.play.ms / 1000)} s`;
    return this.play.code === 0 ? 'played' : `refused: ${this.playError()}`;
  }
}
