// The differential cases: for each podman rule of the validator, a manifest that breaks it (bad),
// usually a near miss that must not, and what to look at after `podman kube play` to tell whether
// podman really does what the rule warns about. The harness (differential.ts) plays each manifest
// on a real podman, asks the validator about the same manifest for that version, and compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { PlayContext, Observation, sleepMs } from './play-context';

type Obj = Record<string, any>;

/** The image every case runs (test/rules/image): Debian minbase, python3, no curl, no nc. */
export const IMAGE = 'localhost/omp-rules/tools:1';
/** The same image under a registry's name (tagged in the machine; never pulled: no network). */
export const REGISTRY_IMAGE = 'docker.io/omp-rules/tools:1';
export const REGISTRY_LATEST = 'docker.io/omp-rules/tools:latest';
/** The same image with an upper-case tag, which podman's grammar allows (tagged in the machine). */
export const UPPER_TAG_IMAGE = 'localhost/omp-rules/tools:V1';
/** The same image under a store's name (store-beyond-loopback judges by the repository; tagged in the machine). */
export const STORE_IMAGE = 'docker.io/valkey/valkey:omp-rules';

export interface Variant {
  /** The documents to play; `pod` is the case's pod name, `dir` its folder in the machine. */
  docs(pod: string, dir: string): Obj[];
  /** Files to create in the machine before the play. */
  prepare?(ctx: { m: PlayContext['m']; dir: string }): void;
  /** Bound for `kube play` (default 90 s). */
  playTimeoutSeconds?: number;
  /** Play with --log-level=debug (the registry cases read podman's requests from it). */
  debugLog?: boolean;
  /** When podman refuses the play, the error it must give (another refusal proves nothing). */
  refusal?: RegExp;
  observe(ctx: PlayContext): Observation;
}

export interface DifferentialCase {
  readonly rule: string;
  readonly bad: Variant;
  readonly near?: Variant;
  /** Rules that describe the same symptom on other versions: the validator "fires" when any does. */
  readonly alsoRules?: readonly string[];
  /** Why podman's side cannot be observed here, for every version or per version. */
  readonly unobservable?: string | Readonly<Record<string, string>>;
}

const app = (extra: Obj = {}): Obj => ({ name: 'app', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'], ...extra });
const httpServer = (port: number, extra: Obj = {}): Obj =>
  app({ command: ['python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', '/tmp'], ...extra });
const podDoc = (name: string, spec: Obj): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Always', ...spec } });
/**
 * A probe the case runs itself (`podman healthcheck run`): the timer does not run it again within the
 * case and never restarts anything. timeoutSeconds 10: podman 4.3.1 fails a check that merely took
 * longer than its timeout (1 s by default; python3 does under the load of three machines).
 */
const onDemand = (handler: Obj): Obj => ({ ...handler, periodSeconds: 60, failureThreshold: 100, timeoutSeconds: 10 });
const seen = (misbehaves: boolean | undefined, detail: string): Observation => ({ misbehaves, detail });
const lastLine = (s: string) => s.trim().split('\n').pop()?.slice(0, 160) ?? '';

/** Played and every listed container runs; else undefined with the reason. */
function playedAndRunning(ctx: PlayContext, ...names: string[]): string | undefined {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return ctx.playSummary();
  const stopped = names.filter((n) => !ctx.waitFor(10, () => ctx.running(n)));
  return stopped.length ? `played, but ${stopped.join(', ')} not running` : undefined;
}

/** Observes a play that should succeed; `misbehaves` = it did not. */
function playOutcome(ctx: PlayContext, ...names: string[]): Observation {
  const problem = playedAndRunning(ctx, ...names);
  return problem ? seen(true, problem) : seen(false, `played; ${names.join(', ')} running`);
}

/** Runs the container's health check once `ready` holds; what a literal exec of the probe would give is `literal`. */
function probeResult(ctx: PlayContext, literal: boolean, ready: () => boolean = () => true): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  if (!ctx.waitFor(15, ready)) return seen(undefined, 'the service in the container never came up');
  const test = ctx.healthTest('app');
  const hc = ctx.healthcheck('app');
  if (hc.timedOut) return seen(undefined, `healthcheck run hung (${test})`);
  const passed = hc.code === 0;
  return seen(passed !== literal, `health check ${JSON.stringify(test)} ${passed ? 'passes' : 'fails'}; run literally it would ${literal ? 'pass' : 'fail'}`);
}

/** A manifest with `marker` somewhere: does `podman inspect` of the app show it? */
function inspectShows(ctx: PlayContext, marker: string): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(undefined, `${ctx.playSummary()} (nothing to inspect)`);
  const shown = ctx.inspectAll('app').includes(marker);
  return seen(shown, shown ? 'podman inspect shows the value in clear text' : 'podman inspect does not show the value');
}

/** Registry contact during a play with --log-level=debug (the play's own messages). */
function askedRegistry(ctx: PlayContext): Observation {
  const out = `${ctx.play.stderr}\n${ctx.play.stdout}`;
  const lines = out.split('\n');
  const contact = lines.find((l) =>
    /Trying to pull|pinging container registry|Checking if image .* is newer|GET https?:\/\/|error pinging|dial tcp|no such host|network is unreachable|Error: .*(pull|initializing source)/i.test(
      l,
    ),
  );
  const how = ctx.play.code === 0 ? 'played' : `refused: ${ctx.playError()}`;
  return seen(
    contact !== undefined,
    contact ? `asked the registry (${lastLine(contact.replace(/^time="[^"]*" level=\w+ msg=/, ''))}); ${how}` : `no registry contact; ${how}`,
  );
}

/** Lines in the case's hostPath log `name` (what its containers counted); 0 when there is none yet. */
function logLines(ctx: PlayContext, name: string): number {
  try {
    return readFileSync(ctx.m.outside(`${ctx.dir}/log/${name}`), 'utf8')
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

/**
 * A pod whose app logs every start to a hostPath file (so a restart is counted, however quick), then
 * runs until SIGTERM, or `sleep 2; <end>` when `end` is given.
 */
function startsPod(pod: string, dir: string, restartPolicy: string, extra: Obj, end?: string): Obj {
  const body = end ? `sleep 2; ${end}` : 'trap "exit 0" TERM; while :; do sleep 0.2; done';
  return podDoc(pod, {
    restartPolicy,
    containers: [app({ command: ['sh', '-c', `echo start >> /log/starts; ${body}`], volumeMounts: [{ name: 'log', mountPath: '/log' }], ...extra })],
    volumes: [{ name: 'log', hostPath: { path: `${dir}/log`, type: 'DirectoryOrCreate' } }],
  });
}

/** Is the app started again within `seconds` of the play? `wanted`: whether it should be; misbehaves when not as wanted. */
function startedAgain(ctx: PlayContext, seconds: number, wanted: boolean): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(undefined, ctx.playSummary());
  const starts = () => logLines(ctx, 'starts');
  const t0 = Date.now();
  if (!ctx.waitFor(10, () => starts() >= 1)) return seen(undefined, 'the app never started (no line in its start log)');
  const again = ctx.waitFor(seconds, () => starts() >= 2);
  const state = ctx.inspect('app', '{{.State.Status}} {{.State.Health.Status}}') || ctx.inspect('app', '{{.State.Status}} {{.State.Healthcheck.Status}}');
  const what = again ? `started again after ${((Date.now() - t0) / 1000).toFixed(0)} s` : `started ${starts()} time(s), not again within ${seconds} s`;
  return seen(again !== wanted, `${what} (${state.trim() || 'gone'})`);
}

/** Does `podman healthcheck run` of a hanging check end within `seconds`? Misbehaves when it hangs. */
function checkEnds(ctx: PlayContext, seconds: number): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const timeout = ctx.inspect('app', '{{.Config.Healthcheck.Timeout}}');
  const hc = ctx.healthcheck('app', seconds);
  const hangs = hc.timedOut;
  // Ended: by podman's timeout (5.6+) or, for a self-bounded command, podman's after-the-fact complaint.
  if (!hangs && !/timeout|unhealthy/i.test(hc.stdout + hc.stderr))
    return seen(undefined, `healthcheck run ended for another reason (exit ${hc.code}: ${lastLine(hc.stderr || hc.stdout)})`);
  return seen(
    hangs && goDurationSeconds(timeout) < seconds,
    hangs
      ? `the check (timeout ${timeout}) still ran after ${seconds} s`
      : `the check (timeout ${timeout}) ended after ${(hc.ms / 1000).toFixed(1)} s (exit ${hc.code})`,
  );
}

/** Does the health check test the port the probe names (8080), or another (0 on 4.3)? */
function probesPort(ctx: PlayContext, port: string): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(true, ctx.playSummary());
  const test = ctx.healthTest('app');
  return seen(!test.split(/\s+/).includes(port), `played; health check ${JSON.stringify(test)}`);
}

const failingLiveness = { exec: { command: ['false'] }, periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 1 };

export const CASES: readonly DifferentialCase[] = [
  {
    rule: 'native-sidecar',
    bad: {
      docs: (p) => [podDoc(p, { restartPolicy: 'OnFailure', initContainers: [app({ name: 'side', restartPolicy: 'Always' })], containers: [app()] })],
      playTimeoutSeconds: 12,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: {
      docs: (p) => [podDoc(p, { restartPolicy: 'OnFailure', initContainers: [app({ name: 'side', command: ['true'] })], containers: [app()] })],
      playTimeoutSeconds: 30,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
  },
  {
    rule: 'init-container-probe',
    bad: {
      docs: (p) => [
        podDoc(p, {
          restartPolicy: 'OnFailure',
          initContainers: [app({ name: 'side', command: ['true'], livenessProbe: { exec: { command: ['true'] } } })],
          containers: [app()],
        }),
      ],
      refusal: /cannot create an init container/,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: {
      docs: (p) => [podDoc(p, { restartPolicy: 'OnFailure', initContainers: [app({ name: 'side', command: ['true'] })], containers: [app()] })],
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
  },
  {
    rule: 'init-container-host-port',
    bad: {
      docs: (p) => [
        podDoc(p, {
          restartPolicy: 'OnFailure',
          initContainers: [app({ name: 'side', command: ['true'], ports: [{ containerPort: 9000, hostPort: 19000, hostIP: '127.0.0.1' }] })],
          containers: [app()],
        }),
      ],
      observe: (ctx) => published(ctx, '19000', true),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          restartPolicy: 'OnFailure',
          initContainers: [app({ name: 'side', command: ['true'] })],
          containers: [app({ ports: [{ containerPort: 9000, hostPort: 19000, hostIP: '127.0.0.1' }] })],
        }),
      ],
      observe: (ctx) => published(ctx, '19000', true),
    },
  },
  {
    rule: 'init-container-restart-loop',
    bad: initRuns('Always'),
    near: initRuns('OnFailure'),
  },
  {
    rule: 'exec-probe-split',
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: onDemand({ exec: { command: ['sh', '-c', 'test -d /tmp'] } }) })] })],
      observe: (ctx) => probeResult(ctx, true),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: onDemand({ exec: { command: ['test', '-d', '/tmp'] } }) })] })],
      observe: (ctx) => probeResult(ctx, true),
    },
  },
  {
    rule: 'exec-probe-shell-syntax',
    // A glob: a shell expands /tm* to /tmp; run literally, test looks for a file named "/tm*".
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: onDemand({ exec: { command: ['test', '-e', '/tm*'] } }) })] })],
      observe: (ctx) => probeResult(ctx, false),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: onDemand({ exec: { command: ['test', '-e', '/tmp'] } }) })] })],
      observe: (ctx) => probeResult(ctx, true),
    },
  },
  {
    rule: 'http-probe-needs-curl',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ httpGet: { host: '127.0.0.1', port: 8080, path: '/' } }) })] })],
      observe: (ctx) => probeResult(ctx, true, () => ctx.exec('app', ['omp-http-get', '8080']).code === 0),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ exec: { command: ['omp-http-get', '8080'] } }) })] })],
      observe: (ctx) => probeResult(ctx, true, () => ctx.exec('app', ['omp-http-get', '8080']).code === 0),
    },
  },
  {
    rule: 'tcp-probe-needs-nc',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 8080 } }) })] })],
      observe: (ctx) => probeResult(ctx, true, () => ctx.exec('app', ['omp-tcp-connect', '8080']).code === 0),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ exec: { command: ['omp-tcp-connect', '8080'] } }) })] })],
      observe: (ctx) => probeResult(ctx, true, () => ctx.exec('app', ['omp-tcp-connect', '8080']).code === 0),
    },
  },
  {
    rule: 'tcp-probe-no-host',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ tcpSocket: { port: 8080 } }) })] })],
      observe: (ctx) => ncHost(ctx),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 8080 } }) })] })],
      observe: (ctx) => ncHost(ctx),
    },
  },
  {
    rule: 'probe-unknown-port-name',
    // Before 4.6 any port name becomes port 0 (probe-named-port), declared or not.
    alsoRules: ['probe-named-port'],
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 'web' } }) })] })],
      refusal: /unknown port: web/,
      observe: (ctx) => probesPort(ctx, '8080'),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            httpServer(8080, {
              ports: [{ name: 'web', containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }],
              livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 'web' } }),
            }),
          ],
        }),
      ],
      observe: (ctx) => probesPort(ctx, '8080'),
    },
  },
  {
    rule: 'probe-named-port',
    bad: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            httpServer(8080, {
              ports: [{ name: 'web', containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }],
              livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 'web' } }),
            }),
          ],
        }),
      ],
      observe: (ctx) => probesPort(ctx, '8080'),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            httpServer(8080, {
              ports: [{ name: 'web', containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }],
              livenessProbe: onDemand({ tcpSocket: { host: '127.0.0.1', port: 8080 } }),
            }),
          ],
        }),
      ],
      observe: (ctx) => probesPort(ctx, '8080'),
    },
  },
  {
    rule: 'readiness-probe-ignored',
    bad: { docs: (p) => [podDoc(p, { containers: [app({ readinessProbe: { exec: { command: ['true'] } } })] })], observe: (ctx) => noHealthCheck(ctx) },
    near: { docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: { exec: { command: ['true'] } } })] })], observe: (ctx) => noHealthCheck(ctx) },
  },
  {
    rule: 'grpc-probe-dropped',
    bad: { docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: { grpc: { port: 9090 } } })] })], observe: (ctx) => noHealthCheck(ctx) },
    near: { docs: (p) => [podDoc(p, { containers: [app({ livenessProbe: { exec: { command: ['true'] } } })] })], observe: (ctx) => noHealthCheck(ctx) },
  },
  {
    rule: 'startup-probe-ignored',
    // The startup window is 60 s (1 s x 60); the near miss delays liveness past it.
    bad: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            app({ startupProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 60 }, livenessProbe: { exec: { command: ['true'] } } }),
          ],
        }),
      ],
      observe: (ctx) => startupShield(ctx, 60),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            app({
              startupProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 60 },
              livenessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 60 },
            }),
          ],
        }),
      ],
      observe: (ctx) => startupShield(ctx, 60),
    },
  },
  {
    rule: 'container-port-published',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { ports: [{ containerPort: 8080 }] })] })],
      observe: (ctx) => published(ctx, '8080', false),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }] })] })],
      observe: (ctx) => published(ctx, '8080', false),
    },
  },
  {
    rule: 'host-port-without-host-ip',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { ports: [{ containerPort: 8080, hostPort: 18080 }] })] })],
      observe: (ctx) => allInterfaces(ctx, '18080'),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080, { ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }] })] })],
      observe: (ctx) => allInterfaces(ctx, '18080'),
    },
  },
  {
    // What podman decides is where the port listens; the rule adds what listens there (a store).
    rule: 'store-beyond-loopback',
    bad: {
      docs: (p) => [
        podDoc(p, { containers: [httpServer(8080, { image: STORE_IMAGE, ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '0.0.0.0' }] })] }),
      ],
      observe: (ctx) => allInterfaces(ctx, '18080'),
    },
    near: {
      docs: (p) => [
        podDoc(p, { containers: [httpServer(8080, { image: STORE_IMAGE, ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }] })] }),
      ],
      observe: (ctx) => allInterfaces(ctx, '18080'),
    },
  },
  {
    rule: 'duplicate-host-port',
    bad: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            app({ ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }] }),
            app({ name: 'two', ports: [{ containerPort: 8081, hostPort: 18080, hostIP: '127.0.0.1' }] }),
          ],
        }),
      ],
      refusal: /address already in use/,
      observe: (ctx) => playOutcome(ctx, 'app', 'two'),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            app({ ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1' }] }),
            app({ name: 'two', ports: [{ containerPort: 8081, hostPort: 18080, hostIP: '127.0.0.1', protocol: 'UDP' }] }),
          ],
        }),
      ],
      observe: (ctx) => playOutcome(ctx, 'app', 'two'),
    },
  },
  {
    rule: 'duplicate-container-port',
    bad: {
      docs: (p) => [
        podDoc(p, {
          containers: [httpServer(8080, { ports: [{ containerPort: 8080 }] }), httpServer(8080, { name: 'two', ports: [{ containerPort: 8080 }] })],
        }),
      ],
      observe: (ctx) => bothListen(ctx, '8080'),
    },
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [httpServer(8080, { ports: [{ containerPort: 8080 }] }), httpServer(8081, { name: 'two', ports: [{ containerPort: 8081 }] })],
        }),
      ],
      observe: (ctx) => bothListen(ctx, '8081'),
    },
  },
  {
    rule: 'host-path-not-absolute',
    bad: hostPathMount('rel-data'),
    near: hostPathMount(undefined),
  },
  {
    rule: 'host-path-type',
    bad: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
          volumes: [{ name: 'data', hostPath: { path: `${dir}/data`, type: 'Dir' } }],
        }),
      ],
      refusal: /invalid HostPath type/,
      prepare: ({ m, dir }) => m.mkdir(`${dir}/data`),
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
          volumes: [{ name: 'data', hostPath: { path: `${dir}/data`, type: 'Directory' } }],
        }),
      ],
      prepare: ({ m, dir }) => m.mkdir(`${dir}/data`),
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
  },
  {
    rule: 'host-path-type-unset',
    bad: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
          volumes: [{ name: 'data', hostPath: { path: `${dir}/missing` } }],
        }),
      ],
      refusal: /no such file or directory/,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
          volumes: [{ name: 'data', hostPath: { path: `${dir}/missing`, type: 'DirectoryOrCreate' } }],
        }),
      ],
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
  },
  {
    rule: 'container-restart-policy',
    bad: { docs: (p) => [podDoc(p, { containers: [app({ restartPolicy: 'Never' })] })], observe: (ctx) => restartPolicyIs(ctx, 'no') },
    near: { docs: (p) => [podDoc(p, { containers: [app()] })], observe: (ctx) => restartPolicyIs(ctx, 'always') },
  },
  {
    rule: 'image-pull-always',
    bad: { docs: (p) => [podDoc(p, { containers: [app({ imagePullPolicy: 'Always' })] })], observe: (ctx) => askedRegistry(ctx), debugLog: true },
    near: { docs: (p) => [podDoc(p, { containers: [app()] })], observe: (ctx) => askedRegistry(ctx), debugLog: true },
  },
  {
    rule: 'image-pull-policy-unset',
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ image: REGISTRY_IMAGE, imagePullPolicy: undefined })] })],
      observe: (ctx) => askedRegistry(ctx),
      debugLog: true,
    },
    near: { docs: (p) => [podDoc(p, { containers: [app({ image: REGISTRY_IMAGE })] })], observe: (ctx) => askedRegistry(ctx), debugLog: true },
  },
  {
    rule: 'image-reference-invalid',
    // Upper case in the repository: the same image, as a user might type its name.
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ image: 'localhost/omp-rules/Tools:1' })] })],
      refusal: /lowercase|invalid reference format/,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    // Upper case where the grammar allows it: in a tag.
    near: { docs: (p) => [podDoc(p, { containers: [app({ image: UPPER_TAG_IMAGE })] })], observe: (ctx) => playOutcome(ctx, 'app') },
  },
  {
    rule: 'short-image-name',
    // Kubernetes reads "omp-rules/tools:1" as docker.io/omp-rules/tools:1, which is here; podman asks
    // the host's configuration (local names first, then unqualified-search-registries, none on Debian).
    bad: { docs: (p) => [podDoc(p, { containers: [app({ image: 'omp-rules/tools:1' })] })], observe: (ctx) => resolvedImage(ctx, REGISTRY_IMAGE) },
    near: { docs: (p) => [podDoc(p, { containers: [app({ image: REGISTRY_IMAGE })] })], observe: (ctx) => resolvedImage(ctx, REGISTRY_IMAGE) },
  },
  {
    rule: 'latest-tag',
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ image: REGISTRY_LATEST, imagePullPolicy: undefined })] })],
      observe: (ctx) => askedRegistry(ctx),
      debugLog: true,
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [app({ image: REGISTRY_IMAGE, imagePullPolicy: 'IfNotPresent' })] })],
      observe: (ctx) => askedRegistry(ctx),
      debugLog: true,
    },
  },
  {
    rule: 'moving-tag',
    // The manifest names a line (1.2) whose tag then moves to a newer build, as a registry's does
    // between two hosts' pulls: podman runs what the tag points to now, saying nothing. With the
    // digest beside the tag it runs the image the digest names, whatever the tag points to.
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ image: MOVING_IMAGE })] })],
      prepare: ({ m, dir }) => moveTag(m, dir),
      observe: (ctx) => ranFirstRelease(ctx),
    },
    near: {
      // The validator reads a placeholder digest; prepare writes the machine's own into the played file.
      docs: (p) => [podDoc(p, { containers: [app({ image: `${MOVING_IMAGE}@${PLACEHOLDER_DIGEST}` })] })],
      prepare: ({ m, dir }) => moveTag(m, dir),
      observe: (ctx) => ranFirstRelease(ctx),
    },
  },
  {
    rule: 'subpath-ignored',
    bad: subPathMount('a', 'x'),
    near: subPathMount(undefined, 'a'),
  },
  {
    rule: 'inline-secret-env',
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ env: [{ name: 'DB_PASSWORD', value: 'omp-rules-marker-7f3a' }] })] })],
      observe: (ctx) => inspectShows(ctx, 'omp-rules-marker-7f3a'),
    },
    near: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [
            app({ env: [{ name: 'DB_PASSWORD_FILE', value: '/secret/db' }], volumeMounts: [{ name: 'secret', mountPath: '/secret', readOnly: true }] }),
          ],
          volumes: [{ name: 'secret', hostPath: { path: `${dir}/secret`, type: 'Directory' } }],
        }),
      ],
      prepare: ({ m, dir }) => m.writeFile(`${dir}/secret/db`, 'omp-rules-marker-7f3a\n', 0o600),
      observe: (ctx) => inspectShows(ctx, 'omp-rules-marker-7f3a'),
    },
  },
  {
    rule: 'secret-document-values',
    bad: {
      docs: (p) => [
        secretDoc(p),
        podDoc(p, { containers: [app({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${p}-db`, key: 'password' } } }] })] }),
      ],
      observe: (ctx) => inspectShows(ctx, 'omp-rules-secret-9c1d'),
    },
    near: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [
            app({ env: [{ name: 'DB_PASSWORD_FILE', value: '/secret/db' }], volumeMounts: [{ name: 'secret', mountPath: '/secret', readOnly: true }] }),
          ],
          volumes: [{ name: 'secret', hostPath: { path: `${dir}/secret`, type: 'Directory' } }],
        }),
      ],
      prepare: ({ m, dir }) => m.writeFile(`${dir}/secret/db`, 'omp-rules-secret-9c1d\n', 0o600),
      observe: (ctx) => inspectShows(ctx, 'omp-rules-secret-9c1d'),
    },
    unobservable: { '4.3.1': 'the play fails first (secret-ref-unsupported): podman 4.3 cannot use the Secret at all' },
  },
  {
    rule: 'secret-ref-unsupported',
    bad: {
      docs: (p) => [
        secretDoc(p),
        podDoc(p, { containers: [app({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${p}-db`, key: 'password' } } }] })] }),
      ],
      refusal: /not valid JSON/,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: { docs: (p) => [podDoc(p, { containers: [app({ env: [{ name: 'DB_USER', value: 'app' }] })] })], observe: (ctx) => playOutcome(ctx, 'app') },
  },
  {
    rule: 'secret-ref-visible',
    bad: {
      docs: (p) => [secretDoc(p), podDoc(p, { containers: [app({ envFrom: [{ secretRef: { name: `${p}-db` } }] })] })],
      observe: (ctx) => inspectShows(ctx, 'omp-rules-secret-9c1d'),
    },
    near: {
      docs: (p, dir) => [
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 'secret', mountPath: '/secret', readOnly: true }] })],
          volumes: [{ name: 'secret', hostPath: { path: `${dir}/secret`, type: 'Directory' } }],
        }),
      ],
      prepare: ({ m, dir }) => m.writeFile(`${dir}/secret/password`, 'omp-rules-secret-9c1d\n', 0o600),
      observe: (ctx) => inspectShows(ctx, 'omp-rules-secret-9c1d'),
    },
    unobservable: { '4.3.1': 'the play fails first (secret-ref-unsupported): podman 4.3 cannot use the Secret at all' },
  },
  {
    rule: 'secret-volume-optional',
    bad: {
      docs: (p) => [
        secretDoc(p),
        podDoc(p, { containers: [app({ volumeMounts: [{ name: 's', mountPath: '/s' }] })], volumes: [{ name: 's', secret: { secretName: `${p}-db` } }] }),
      ],
      refusal: /nil pointer dereference/,
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
    near: {
      docs: (p) => [
        secretDoc(p),
        podDoc(p, {
          containers: [app({ volumeMounts: [{ name: 's', mountPath: '/s' }] })],
          volumes: [{ name: 's', secret: { secretName: `${p}-db`, optional: false } }],
        }),
      ],
      observe: (ctx) => playOutcome(ctx, 'app'),
    },
  },
  {
    rule: 'liveness-restart-onfailure',
    // Misbehaves: a failing liveness probe under OnFailure restarts nothing (Kubernetes restarts).
    bad: { docs: (p, dir) => [startsPod(p, dir, 'OnFailure', { livenessProbe: failingLiveness })], observe: (ctx) => startedAgain(ctx, 20, true) },
    // OnFailure itself works: a process that exits non-zero is started again.
    near: { docs: (p, dir) => [startsPod(p, dir, 'OnFailure', {}, 'exit 3')], observe: (ctx) => startedAgain(ctx, 20, true) },
  },
  // One manifest, two rules: after a failing liveness probe under Always nothing starts the app again,
  // on 4.3.0-4.4.2 (stopped for good) and on 4.6.0-5.0.x (left running, unhealthy).
  { rule: 'liveness-no-restart', alsoRules: ['liveness-restart-stops'], ...livenessUnderAlways() },
  { rule: 'liveness-restart-stops', alsoRules: ['liveness-no-restart'], ...livenessUnderAlways() },
  {
    rule: 'probe-timeout-ignored',
    // A check that hangs (a SIGSTOPped server's client does): 5.6+ ends it after timeoutSeconds.
    bad: {
      docs: (p) => [
        podDoc(p, {
          containers: [app({ livenessProbe: { exec: { command: ['sleep', '30'] }, timeoutSeconds: 1, periodSeconds: 60, failureThreshold: 100 } })],
        }),
      ],
      observe: (ctx) => checkEnds(ctx, 15),
    },
    // The fix the rule gives: the command bounds itself.
    near: {
      docs: (p) => [
        podDoc(p, {
          containers: [
            app({
              livenessProbe: { exec: { command: ['timeout', '-s', 'KILL', '2', 'sleep', '30'] }, timeoutSeconds: 1, periodSeconds: 60, failureThreshold: 100 },
            }),
          ],
        }),
      ],
      observe: (ctx) => checkEnds(ctx, 15),
    },
  },
  {
    rule: 'termination-grace-ignored',
    bad: { docs: (p) => [podDoc(p, { terminationGracePeriodSeconds: 3, containers: [app()] })], observe: (ctx) => stopTimeout(ctx, '3') },
    // Nothing asked: podman's default, 10 s.
    near: { docs: (p) => [podDoc(p, { containers: [app()] })], observe: (ctx) => stopTimeout(ctx, '10') },
  },
  {
    rule: 'host-pid-ignored',
    bad: { docs: (p) => [podDoc(p, { hostPID: true, containers: [app()] })], observe: (ctx) => namespace(ctx, 'pid', true) },
    near: { docs: (p) => [podDoc(p, { containers: [app()] })], observe: (ctx) => namespace(ctx, 'pid', false) },
  },
  {
    rule: 'host-ipc-ignored',
    bad: { docs: (p) => [podDoc(p, { hostIPC: true, containers: [app()] })], observe: (ctx) => namespace(ctx, 'ipc', true) },
    near: { docs: (p) => [podDoc(p, { containers: [app()] })], observe: (ctx) => namespace(ctx, 'ipc', false) },
  },
  {
    rule: 'cpu-request-ignored',
    bad: {
      docs: (p) => [podDoc(p, { containers: [app({ resources: { requests: { cpu: '500m' } } })] })],
      observe: (ctx) => cpuSetting(ctx, '{{.HostConfig.CpuShares}}', 'cpu shares'),
    },
    near: {
      docs: (p) => [podDoc(p, { containers: [app({ resources: { limits: { cpu: '500m' } } })] })],
      observe: (ctx) => cpuSetting(ctx, '{{.HostConfig.CpuQuota}}', 'cpu quota'),
    },
  },
  {
    rule: 'security-context-ignored',
    // Kubernetes refuses to start a root image under runAsNonRoot; podman runs it as root.
    bad: { docs: (p) => [podDoc(p, { securityContext: { runAsNonRoot: true }, containers: [app()] })], observe: (ctx) => runsAs(ctx, (uid) => uid !== '0') },
    near: { docs: (p) => [podDoc(p, { containers: [app({ securityContext: { runAsUser: 1000 } })] })], observe: (ctx) => runsAs(ctx, (uid) => uid === '1000') },
  },
  {
    rule: 'env-from-overrides-env',
    bad: {
      docs: (p) => [
        settingsDoc(),
        podDoc(p, { containers: [app({ envFrom: [{ configMapRef: { name: 'settings' } }], env: [{ name: 'LOG_LEVEL', value: 'debug' }] })] }),
      ],
      observe: (ctx) => envValue(ctx, 'LOG_LEVEL', 'debug'),
    },
    near: {
      docs: (p) => [
        settingsDoc(),
        podDoc(p, { containers: [app({ envFrom: [{ configMapRef: { name: 'settings' } }], env: [{ name: 'TRACE', value: 'off' }] })] }),
      ],
      observe: (ctx) => envValue(ctx, 'TRACE', 'off'),
    },
  },
  {
    rule: 'pods-do-not-share-localhost',
    bad: {
      docs: (p) => [podDoc(p, { containers: [httpServer(8080)] }), podDoc(`${p}-b`, { containers: [app()] })],
      observe: (ctx) => reachesLocalhost(ctx, `${ctx.pod}-b`),
    },
    near: { docs: (p) => [podDoc(p, { containers: [httpServer(8080), app({ name: 'two' })] })], observe: (ctx) => reachesLocalhost(ctx, ctx.pod, 'two') },
  },
];

/** Which image name the app runs: misbehaves when it is not `meant` (what Kubernetes would run). */
/** A tag that moves (a line, not a release), on the case image. */
const MOVING_IMAGE = 'docker.io/omp-rules/moving:1.2';
const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

/** The first release's own version tag, in the same repository. */
const MOVING_RELEASE = 'docker.io/omp-rules/moving:1.2.0';

/**
 * MOVING_IMAGE first names the case image (the release the manifest was written against); the
 * played file gets that image's digest for the placeholder (podman load gave it its own); then the
 * tag moves to a newer build of it (a label more), as a later pull would find it. The first release
 * stays held under its version tag, as a host that pulled it (by that tag or by digest) holds it:
 * podman 5.x looks a digest up only among the images of the reference's repository (4.3.1 among
 * all) and, finding none, pulls by digest, which this machine without a registry cannot.
 */
function moveTag(m: PlayContext['m'], dir: string): void {
  const must = (what: string, r: { code: number; stdout: string; stderr: string }) => {
    if (r.code !== 0) throw new Error(`${what}: ${lastLine(r.stderr || r.stdout)}`);
    return r.stdout.trim();
  };
  must('podman tag', m.podman(['tag', IMAGE, MOVING_IMAGE, MOVING_RELEASE]));
  const digest = must('the digest', m.podman(['image', 'inspect', '--format', '{{.Digest}}', MOVING_IMAGE]));
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`podman gave no digest for ${IMAGE}: ${JSON.stringify(digest)}`);
  const played = m.outside(`${dir}/pod.yaml`);
  writeFileSync(played, readFileSync(played, 'utf8').replace(PLACEHOLDER_DIGEST, digest));
  m.writeFile(`${dir}/newer/Containerfile`, `FROM ${IMAGE}\nLABEL omp-rules-release=1.2.1\n`);
  must('podman build', m.podman(['build', '--network', 'none', '-t', MOVING_IMAGE, `${dir}/newer`], { timeoutSeconds: 90 }));
}

/** Did the app run the release the manifest was written against (the case image), or what the tag moved to? */
function ranFirstRelease(ctx: PlayContext): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const first = ctx.m.podman(['image', 'inspect', '--format', '{{.Id}}', IMAGE]).stdout.trim();
  const ran = ctx.inspect('app', '{{.Image}}');
  const name = ctx.inspect('app', '{{.ImageName}}');
  const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
  return ran === first
    ? seen(false, `runs ${name} = the first release (${short(first)}), not what the tag moved to`)
    : seen(true, `runs ${short(ran)}, what ${MOVING_IMAGE} moved to, not the first release (${short(first)}); no warning`);
}

function resolvedImage(ctx: PlayContext, meant: string): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(true, ctx.playSummary());
  const name = ctx.inspect('app', '{{.ImageName}}');
  return seen(name !== meant, `runs ${name}${name !== meant ? ` (Kubernetes would run ${meant})` : ''}`);
}

function livenessUnderAlways(): Pick<DifferentialCase, 'bad' | 'near'> {
  return {
    bad: { docs: (p, dir) => [startsPod(p, dir, 'Always', { livenessProbe: failingLiveness })], observe: (ctx) => startedAgain(ctx, 20, true) },
    // A process that exits is restarted by the restart policy, on every version.
    near: { docs: (p, dir) => [startsPod(p, dir, 'Always', {}, 'exit 3')], observe: (ctx) => startedAgain(ctx, 20, true) },
  };
}

function secretDoc(pod: string): Obj {
  // A name per case: a Secret a failed cleanup left behind cannot refuse the next play.
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${pod}-db` }, stringData: { password: 'omp-rules-secret-9c1d' } };
}
function settingsDoc(): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { LOG_LEVEL: 'info' } };
}

/** Is `hostPort` published? `asked`: whether the manifest asks for it; misbehaves when not as asked. */
function published(ctx: PlayContext, hostPort: string, asked: boolean): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(undefined, ctx.playSummary());
  const b = ctx.bindings();
  const list = b.map((x) => `${x.hostIp || '0.0.0.0'}:${x.hostPort}->${x.containerPort}`).join(', ') || 'none';
  const isPublished = b.some((x) => x.hostPort === hostPort);
  return seen(isPublished !== asked, `published: ${list}`);
}

function allInterfaces(ctx: PlayContext, hostPort: string): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(undefined, ctx.playSummary());
  const b = ctx.bindings().filter((x) => x.hostPort === hostPort);
  if (!b.length) return seen(undefined, `host port ${hostPort} not published`);
  const wide = b.some((x) => x.hostIp === '' || x.hostIp === '0.0.0.0' || x.hostIp === '::');
  return seen(wide, `host port ${hostPort} published on ${b.map((x) => x.hostIp || '0.0.0.0').join(', ')}`);
}

function initRuns(restartPolicy: string): Variant {
  return {
    docs: (p, dir) => [
      podDoc(p, {
        restartPolicy,
        initContainers: [app({ name: 'side', command: ['sh', '-c', 'echo run >> /log/runs'], volumeMounts: [{ name: 'log', mountPath: '/log' }] })],
        containers: [app()],
        volumes: [{ name: 'log', hostPath: { path: `${dir}/log`, type: 'DirectoryOrCreate' } }],
      }),
    ],
    playTimeoutSeconds: 60,
    observe: (ctx) => {
      sleepMs(3000);
      const runs = logLines(ctx, 'runs');
      const took = `kube play took ${(ctx.play.ms / 1000).toFixed(1)} s`;
      if (runs === 0 && ctx.play.code === 0) return seen(undefined, `the init container left no line in its log; ${took}`);
      const misbehaves = runs > 1 || ctx.play.code !== 0 || ctx.play.timedOut;
      return seen(misbehaves, `the init container ran ${runs} time(s); ${took}${ctx.play.code !== 0 ? `; ${ctx.playSummary()}` : ''}`);
    },
  };
}

function ncHost(ctx: PlayContext): Observation {
  if (ctx.play.code !== 0) return seen(undefined, ctx.playSummary());
  const test = ctx.healthTest('app');
  const m = /nc -z -v\s+(\S*)\s+(\S+)/.exec(test.replace(/\|\|.*$/, ''));
  if (!m) return seen(undefined, `health check ${JSON.stringify(test)}`);
  // With the host left out, what follows -v is the port itself.
  const hostless = m[1] === '8080' || m[1] === '' || m[1] === "''";
  return seen(hostless, `health check ${JSON.stringify(test)}`);
}

function noHealthCheck(ctx: PlayContext): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const test = ctx.healthTest('app');
  return seen(test === '', test ? `health check ${JSON.stringify(test)}` : 'no health check');
}

function startupShield(ctx: PlayContext, windowSeconds: number): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const startup = ctx.inspect('app', '{{json .Config.StartupHealthCheck}}');
  const hasStartup = startup !== '' && startup !== 'null';
  const startPeriod = goDurationSeconds(ctx.inspect('app', '{{.Config.Healthcheck.StartPeriod}}'));
  // Misbehaves: liveness counts failures inside the startup window, and no startup check holds it off.
  return seen(
    !hasStartup && startPeriod < windowSeconds,
    `${hasStartup ? 'startup health check set up' : 'no startup health check'}; liveness start period ${startPeriod} s`,
  );
}

/** "1m0s", "60s", "500ms", "0s" or nanoseconds -> seconds. */
function goDurationSeconds(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) / 1e9;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 } as Record<string, number>)[unit];
  }
  return total;
}

/** Two servers, app on 8080 and two on `second`: does one fail to bind, or do both answer? */
function bothListen(ctx: PlayContext, second: string): Observation {
  if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(true, ctx.playSummary());
  const inUse = () =>
    ['app', 'two'].some((n) => /Address already in use/.test(Object.values(ctx.m.podman(['logs', ctx.ctr(n)], { timeoutSeconds: 15 })).join('')));
  const bothAnswer = () => second !== '8080' && ctx.exec('app', ['omp-http-get', '8080']).code === 0 && ctx.exec('two', ['omp-http-get', second]).code === 0;
  // Until one of the servers says it could not bind, or both answer (servers start in a second, more under load).
  ctx.waitFor(20, () => inUse() || bothAnswer());
  if (inUse()) return seen(true, 'one of the two servers failed: "Address already in use"');
  return bothAnswer() ? seen(false, 'both servers answer') : seen(undefined, 'neither a bind error nor both servers answering within 20 s');
}

function hostPathMount(relative: string | undefined): Variant {
  return {
    docs: (p, dir) => [
      podDoc(p, {
        containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
        volumes: [{ name: 'data', hostPath: { path: relative ?? `${dir}/data`, type: 'DirectoryOrCreate' } }],
      }),
    ],
    observe: (ctx) => {
      if (ctx.play.code !== 0 || ctx.play.timedOut) return seen(true, ctx.playSummary());
      const source = ctx.inspect('app', '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Source}}{{end}}{{end}}');
      // Kubernetes has no relative hostPath; a user who writes one means "beside the manifest".
      const meant = `${ctx.dir}/${relative ?? 'data'}`;
      return seen(source !== meant, `mounted ${source || '(nothing)'} at /data (played from ${ctx.dir}, working directory /)`);
    },
  };
}

function subPathMount(subPath: string | undefined, expected: string): Variant {
  return {
    docs: (p, dir) => [
      podDoc(p, {
        containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/mnt', ...(subPath ? { subPath } : {}) }] })],
        volumes: [{ name: 'data', hostPath: { path: `${dir}/data`, type: 'Directory' } }],
      }),
    ],
    prepare: ({ m, dir }) => m.writeFile(`${dir}/data/a/x`, 'x\n'),
    observe: (ctx) => {
      const problem = playedAndRunning(ctx, 'app');
      if (problem) return seen(true, problem);
      const listing = ctx.exec('app', ['ls', '/mnt']).stdout.trim().split('\n').join(' ');
      return seen(listing !== expected, `/mnt holds: ${listing || '(nothing)'}`);
    },
  };
}

function restartPolicyIs(ctx: PlayContext, wanted: string): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const policy = ctx.inspect('app', '{{.HostConfig.RestartPolicy.Name}}');
  return seen(policy !== wanted, `container restart policy "${policy}"`);
}

function stopTimeout(ctx: PlayContext, wanted: string): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const t = ctx.inspect('app', '{{.Config.StopTimeout}}');
  if (t === '') return seen(undefined, 'no stop timeout in podman inspect');
  return seen(t !== wanted, `stop timeout ${t} s`);
}

function namespace(ctx: PlayContext, ns: 'pid' | 'ipc', host: boolean): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  // Its own /proc/self: /proc/1/ns of another user's process needs CAP_SYS_PTRACE, which a container lacks.
  const inside = ctx.exec('app', ['readlink', `/proc/self/ns/${ns}`]).stdout.trim();
  const outside = ctx.m.run(['readlink', `/proc/self/ns/${ns}`]).stdout.trim();
  const same = inside !== '' && inside === outside;
  return seen(same !== host, same ? `the host ${ns.toUpperCase()} namespace` : `${ns === 'pid' ? 'a PID' : 'an IPC'} namespace of its own`);
}

function cpuSetting(ctx: PlayContext, format: string, what: string): Observation {
  // The container's configuration says what podman made of the manifest, even when it cannot start
  // (the test machines have no cgroup cpu controller, so a CPU limit fails to apply there).
  const v = ctx.inspect('app', format);
  if (v === '') return seen(undefined, ctx.playSummary());
  const started = ctx.play.code === 0 ? '' : ' (configured; the test machine has no cgroup cpu controller to start it with)';
  return seen(v === '0', `${what} ${v}${started}`);
}

/** The uid the app runs as: misbehaves when `asked` does not hold for it. */
function runsAs(ctx: PlayContext, asked: (uid: string) => boolean): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const uid = ctx.exec('app', ['id', '-u']).stdout.trim();
  return seen(!asked(uid), `runs as uid ${uid}`);
}

function envValue(ctx: PlayContext, name: string, wanted: string): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  const v = ctx.exec('app', ['printenv', name]).stdout.trim();
  return seen(v !== wanted, `${name}=${v}`);
}

function reachesLocalhost(ctx: PlayContext, fromPod: string, from = 'app'): Observation {
  const problem = playedAndRunning(ctx, 'app');
  if (problem) return seen(undefined, problem);
  if (!ctx.waitFor(15, () => ctx.exec('app', ['omp-http-get', '8080']).code === 0)) return seen(undefined, 'the server never came up');
  const r = ctx.exec(from, ['omp-http-get', '8080'], 15, fromPod);
  return seen(r.code !== 0, r.code === 0 ? `${fromPod}/${from} reaches 127.0.0.1:8080` : `${fromPod}/${from} cannot reach 127.0.0.1:8080`);
}
