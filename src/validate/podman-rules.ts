// Layer 2: what `podman kube play` does with a manifest, per podman version. Every rule comes
// from ../shared/notes/podman-kube-play.md (podman's source at 4.3.1 ... 5.6.2 and real runs of
// 4.3.1 and 5.4.2); a rule's message says what podman does instead, its fix how to avoid it.
import { FieldPath } from './finding';
import { Severity } from '../lib/finding';
import { ManifestDocument } from './manifest-input';
import { VersionRange } from '../lib/podman-version';
import { isPinned, parseImageRef } from '../lib/image-ref';
import { asList, asObject, ContainerAt, containersOf, PodSpecAt, podSpecsOf, PROBE_KINDS } from './pod-specs';

export interface RuleHit {
  readonly path: FieldPath;
  readonly message: string;
  readonly fix?: string;
}

export interface RuleContext {
  readonly doc: ManifestDocument;
  /** Every document of the same file (ConfigMaps and Secrets next to the Pod). */
  readonly documents: readonly ManifestDocument[];
}

export interface PodmanRule {
  readonly id: string;
  readonly severity: Severity;
  /** Podman versions the behaviour exists in. */
  readonly podman: VersionRange;
  /** One line for `validate --rules` and the README. */
  readonly title: string;
  /** What real podman did that changed this rule (`npm run test:rules`, podman's source); for the README. */
  readonly observed?: string;
  check(ctx: RuleContext): RuleHit[];
}

type Obj = Record<string, unknown>;

type Hits = RuleHit | RuleHit[] | undefined;
const asHits = (r: Hits): RuleHit[] => (r ? (Array.isArray(r) ? r : [r]) : []);

/** Runs `fn` for every pod spec in the document (a Pod's spec, a Deployment's template). */
function eachPod(ctx: RuleContext, fn: (pod: PodSpecAt) => Hits): RuleHit[] {
  return podSpecsOf(ctx.doc).flatMap((pod) => asHits(fn(pod)));
}

/** Runs `fn` for every container (init containers first) of every pod spec in the document. */
function eachContainer(ctx: RuleContext, fn: (c: ContainerAt) => Hits): RuleHit[] {
  return eachPod(ctx, (pod) => containersOf(pod).flatMap((c) => asHits(fn(c))));
}

/** Probes podman turns into health checks (it ignores readinessProbe). */
const HEALTH_PROBES = ['livenessProbe', 'startupProbe'] as const;

function probes(c: ContainerAt, kinds: readonly string[] = HEALTH_PROBES): Array<{ probe: Obj; path: FieldPath; kind: string }> {
  return kinds.flatMap((kind) => {
    const probe = asObject(c.container[kind]);
    return probe ? [{ probe, path: [...c.path, kind], kind }] : [];
  });
}

/** The argv of each exec health probe, with where it is. */
function execCommands(c: ContainerAt): Array<{ command: unknown[]; path: FieldPath }> {
  return probes(c).flatMap(({ probe, path }) => {
    const command = asObject(probe.exec)?.command;
    return Array.isArray(command) ? [{ command, path: [...path, 'exec', 'command'] }] : [];
  });
}

/** Where a container takes values from a Secret: env[].valueFrom.secretKeyRef and envFrom[].secretRef. */
function secretRefPaths(c: ContainerAt): FieldPath[] {
  return [
    ...asList(c.container.env).flatMap((e, i) => (asObject(asObject(e.valueFrom)?.secretKeyRef) ? [[...c.path, 'env', i, 'valueFrom', 'secretKeyRef']] : [])),
    ...asList(c.container.envFrom).flatMap((e, i) => (asObject(e.secretRef) ? [[...c.path, 'envFrom', i, 'secretRef']] : [])),
  ];
}

const SHELL_SPECIAL = /[|&;<>()$`\\"'*?]/;
// The name ends in the secret word: DB_PASSWORD, DD_API_KEY, GITHUB_TOKEN (not PASSWORD_FILE).
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|APP_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)$/i;
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

function portKey(p: Obj): string {
  return `${p.protocol ?? 'TCP'}`.toUpperCase();
}

export const PODMAN_RULES: readonly PodmanRule[] = [
  {
    id: 'native-sidecar',
    severity: 'error',
    podman: {},
    title: 'init container with restartPolicy: Always (native sidecar)',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.init && c.container.restartPolicy === 'Always'
          ? {
              path: [...c.path, 'restartPolicy'],
              message: `podman has no native sidecars (upstream #20372): it drops restartPolicy and runs "${c.name}" as an ordinary init container; kube play waits for it to exit, forever, and the app containers stay Created`,
              fix: 'make it a regular container; to start others after it, have them wait for its health (opencode-memory-pod does this with launch.sh)',
            }
          : undefined,
      ),
  },
  {
    id: 'init-container-probe',
    severity: 'error',
    podman: {},
    title: 'probe or lifecycle on an init container',
    check: (ctx) =>
      eachContainer(ctx, (c) => {
        if (!c.init) return undefined;
        const bad = [...PROBE_KINDS, 'lifecycle'].filter((k) => c.container[k] !== undefined);
        return bad.map((k) => ({
          path: [...c.path, k],
          message: `podman refuses the whole pod: "cannot create an init container that has either of lifecycle, livenessProbe, readinessProbe, or startupProbe set" (${c.name}.${k})`,
          fix: `remove ${k} from the init container, or make it a regular container`,
        }));
      }),
  },
  {
    id: 'init-container-host-port',
    severity: 'warning',
    podman: {},
    title: 'hostPort on an init container',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.init
          ? asList(c.container.ports).flatMap((p, i) =>
              p.hostPort !== undefined
                ? [{ path: [...c.path, 'ports', i, 'hostPort'], message: `podman never publishes ports of init containers: host port ${p.hostPort} of "${c.name}" stays closed`, fix: 'declare the port on the app container that listens on it' }]
                : [],
            )
          : undefined,
      ),
  },
  {
    id: 'init-container-restart-loop',
    severity: 'error',
    podman: { from: '4.3.0', before: '4.4.0' },
    title: 'init containers under restartPolicy Always (the default)',
    check: (ctx) =>
      eachPod(ctx, (pod) => {
        const inits = asList(pod.spec.initContainers);
        const policy = pod.spec.restartPolicy ?? 'Always';
        return inits.length && policy === 'Always'
          ? {
              path: [...pod.path, pod.spec.restartPolicy === undefined ? 'initContainers' : 'restartPolicy'],
              message: 'podman 4.3 gives init containers the pod restartPolicy (Always): they rerun in a loop (140-546 runs seen), kube play takes ~21 s and may fail with "failed to remove once init container ... as it is running"',
              fix: 'set restartPolicy: OnFailure, or do without init containers',
            }
          : undefined;
      }),
  },
  {
    id: 'exec-probe-split',
    severity: 'error',
    podman: { before: '4.4.0' },
    title: 'exec probe element with a space',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        execCommands(c).flatMap(({ command, path }) => {
          const i = command.findIndex((part) => /\s/.test(String(part)));
          return i < 0
            ? []
            : [{
                path: [...path, i],
                message: `podman before 4.4 joins the command with spaces, splits it on spaces again and runs /bin/sh -c "<command> || exit 1": ${JSON.stringify(command[i])} falls apart (["sh","-c","nc -z ..."] runs a bare "nc"), so the probe does not check what it says`,
                fix: 'put the check in a script (e.g. from a ConfigMap volume) and call it with elements that contain no spaces: ["/bin/sh", "/path/check.sh"]',
              }];
        }),
      ),
  },
  {
    id: 'exec-probe-shell-syntax',
    severity: 'warning',
    podman: { before: '4.4.0' },
    title: 'exec probe element with shell syntax',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        execCommands(c).flatMap(({ command, path }) => {
          const i = command.findIndex((part) => !/\s/.test(String(part)) && SHELL_SPECIAL.test(String(part)));
          return i < 0
            ? []
            : [{
                path: [...path, i],
                message: `podman before 4.4 runs exec probes through /bin/sh -c, so the shell interprets ${JSON.stringify(command[i])}; podman 4.4 and later pass it literally: the probe differs between versions`,
                fix: 'move the logic into a script and call it with plain arguments',
              }];
        }),
      ),
  },
  {
    id: 'http-probe-needs-curl',
    severity: 'warning',
    podman: {},
    title: 'httpGet probe (runs curl inside the container)',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        probes(c)
          .filter(({ probe }) => probe.httpGet !== undefined)
          .map(({ path }) => ({
            path: [...path, 'httpGet'],
            message: `podman runs httpGet probes as "curl -f <scheme>://<host>:<port><path> || exit 1" through /bin/sh INSIDE "${c.name}": without curl in the image the container is never healthy (the Valkey, FalkorDB and Datadog images have no curl)`,
            fix: 'use an exec probe with a tool the image has (e.g. valkey-cli ping, agent health)',
          })),
      ),
  },
  {
    id: 'tcp-probe-needs-nc',
    severity: 'warning',
    podman: {},
    title: 'tcpSocket probe (runs nc inside the container)',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        probes(c)
          .filter(({ probe }) => probe.tcpSocket !== undefined)
          .map(({ path }) => ({
            path: [...path, 'tcpSocket'],
            message: `podman runs tcpSocket probes as "nc -z -v <host> <port>" through /bin/sh INSIDE "${c.name}": the image needs an nc that knows -z, or the container is never healthy`,
            fix: 'use an exec probe with a tool the image has',
          })),
      ),
  },
  {
    id: 'tcp-probe-no-host',
    severity: 'error',
    podman: { before: '4.7.0' },
    title: 'tcpSocket probe without host',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        probes(c)
          .filter(({ probe }) => asObject(probe.tcpSocket) && !asObject(probe.tcpSocket)!.host)
          .map(({ path }) => ({
            path: [...path, 'tcpSocket'],
            message: 'podman before 4.7 leaves the host empty: the check runs "nc -z -v  <port>" and always fails',
            fix: 'set tcpSocket.host: 127.0.0.1 (or use an exec probe)',
          })),
      ),
  },
  {
    id: 'probe-unknown-port-name',
    severity: 'error',
    podman: { from: '4.6.0' },
    title: 'probe port named but not declared on the container',
    observed: 'was every podman: 4.3.1 plays a probe port name as port 0 (`nc -z -v 127.0.0.1 0`), declared or not; the play fails with "unknown port" from 4.6.0 (podman 6817e0ae); the new rule `probe-named-port` covers the older versions',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        namedProbePorts(c).flatMap(({ port, path, kind }) =>
          asList(c.container.ports).some((p) => p.name === port)
            ? []
            : [{ path, message: `podman fails the play with "failed to configure ${kind}: unknown port: ${port}": "${c.name}" declares no port of that name`, fix: 'use the port number, or name the containerPort' }],
        ),
      ),
  },
  {
    id: 'probe-named-port',
    severity: 'error',
    podman: { before: '4.6.0' },
    title: 'probe port given by name',
    observed: 'new: 4.3.1 checked port 0 for a declared port name; 5.4.2 and 5.8.6 checked 8080',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        namedProbePorts(c).map(({ port, path }) => ({
          path,
          message: `podman before 4.6 does not resolve port names in probes: "${port}" becomes port 0 (declared or not), so the health check of "${c.name}" never passes`,
          fix: 'use the port number',
        })),
      ),
  },
  {
    id: 'readiness-probe-ignored',
    severity: 'warning',
    podman: {},
    title: 'readinessProbe',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.container.readinessProbe !== undefined && !c.init
          ? {
              path: [...c.path, 'readinessProbe'],
              message: `podman ignores readinessProbe: nothing waits for "${c.name}" to be ready and no health check is set up from it`,
              fix: 'use livenessProbe/startupProbe; to order containers, let them wait for health in their entrypoint',
            }
          : undefined,
      ),
  },
  {
    id: 'grpc-probe-dropped',
    severity: 'warning',
    podman: {},
    title: 'grpc probe',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        probes(c, PROBE_KINDS)
          .filter(({ probe }) => probe.grpc !== undefined)
          .map(({ path }) => ({ path: [...path, 'grpc'], message: `podman silently drops grpc probes: "${c.name}" gets no health check from it`, fix: 'use an exec probe (e.g. grpc_health_probe, if the image has it)' })),
      ),
  },
  {
    id: 'startup-probe-ignored',
    severity: 'warning',
    podman: { before: '4.4.0' },
    title: 'startupProbe that shields a livenessProbe',
    check: (ctx) =>
      eachContainer(ctx, (c) => {
        const startup = asObject(c.container.startupProbe);
        const liveness = asObject(c.container.livenessProbe);
        if (!startup || !liveness || c.init) return undefined;
        // Kubernetes defaults: periodSeconds 10, failureThreshold 3.
        const window = num(startup.initialDelaySeconds, 0) + num(startup.periodSeconds, 10) * num(startup.failureThreshold, 3);
        const livenessStart = num(liveness.initialDelaySeconds, 0);
        return livenessStart < window
          ? {
              path: [...c.path, 'startupProbe'],
              message: `podman 4.3 ignores startupProbe: the liveness probe of "${c.name}" counts failures from ${livenessStart} s, not after the ${window} s startup window; a slow start is marked unhealthy (podman 4.3.1 then stops the container and does not restart it)`,
              fix: `set livenessProbe.initialDelaySeconds to at least ${window}`,
            }
          : undefined;
      }),
  },
  {
    id: 'container-port-published',
    severity: 'error',
    podman: { from: '4.3.0', before: '4.8.0' },
    title: 'containerPort without hostPort',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.init
          ? undefined
          : asList(c.container.ports).flatMap((p, i) =>
              p.hostPort === undefined
                ? [{
                    path: [...c.path, 'ports', i],
                    message: `podman 4.3-4.7 publish every containerPort on the host, on all interfaces: port ${p.containerPort} of "${c.name}" becomes reachable from the network`,
                    fix: 'list only ports you mean to publish, each with hostPort and hostIP: 127.0.0.1; containers of one pod reach each other on localhost without a ports entry',
                  }]
                : [],
            ),
      ),
  },
  {
    id: 'host-port-without-host-ip',
    severity: 'warning',
    podman: {},
    title: 'hostPort without hostIP',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        asList(c.container.ports).flatMap((p, i) =>
          p.hostPort !== undefined && !p.hostIP
            ? [{ path: [...c.path, 'ports', i], message: `host port ${p.hostPort} of "${c.name}" is published on all interfaces (0.0.0.0), not only on this machine`, fix: 'set hostIP: 127.0.0.1 unless other machines must reach it' }]
            : [],
        ),
      ),
  },
  {
    id: 'duplicate-host-port',
    severity: 'error',
    podman: {},
    title: 'the same hostPort twice in a pod',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        repeatedPorts(pod, 'hostPort', true).map(({ c, i, port, proto, other }) => ({
          path: [...c.path, 'ports', i, 'hostPort'],
          message: `host port ${port}/${proto} is also published by "${other}": kube play fails to bind it twice`,
          fix: 'give every published port its own hostPort',
        })),
      ),
  },
  {
    id: 'duplicate-container-port',
    severity: 'error',
    podman: {},
    title: 'the same containerPort in two containers of a pod',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        repeatedPorts(pod, 'containerPort', false).map(({ c, i, port, proto, other }) => ({
          path: [...c.path, 'ports', i, 'containerPort'],
          message: `port ${port}/${proto} is also declared by "${other}": the containers of a pod share one network namespace, so only one of them can listen on it`,
          fix: 'give each service its own port',
        })),
      ),
  },
  {
    id: 'host-path-not-absolute',
    severity: 'error',
    podman: {},
    title: 'hostPath that is not an absolute path',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        asList(pod.spec.volumes).flatMap((v, i) => {
          const hp = asObject(v.hostPath);
          const p = hp?.path;
          return hp && (typeof p !== 'string' || !p.startsWith('/'))
            ? [{ path: [...pod.path, 'volumes', i, 'hostPath', 'path'], message: `hostPath ${JSON.stringify(p)} of volume "${v.name}" is not absolute: podman resolves it against its own working directory (under systemd: /), not this file's folder`, fix: 'write the absolute path' }]
            : [];
        }),
      ),
  },
  {
    id: 'host-path-type',
    severity: 'error',
    podman: {},
    title: 'hostPath type podman does not know',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        asList(pod.spec.volumes).flatMap((v, i) => {
          const type = asObject(v.hostPath)?.type;
          return type !== undefined && !HOST_PATH_TYPES.includes(String(type))
            ? [{ path: [...pod.path, 'volumes', i, 'hostPath', 'type'], message: `hostPath type ${JSON.stringify(type)} of volume "${v.name}" is not one podman knows: kube play fails`, fix: `one of ${HOST_PATH_TYPES.filter(Boolean).join(', ')}` }]
            : [];
        }),
      ),
  },
  {
    id: 'host-path-type-unset',
    severity: 'warning',
    podman: {},
    title: 'hostPath without type',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        asList(pod.spec.volumes).flatMap((v, i) => {
          const hp = asObject(v.hostPath);
          return hp && (hp.type === undefined || hp.type === '')
            ? [{ path: [...pod.path, 'volumes', i, 'hostPath'], message: `hostPath ${JSON.stringify(hp.path)} has no type: podman then requires it to exist and fails the play when it does not (a fresh host, a typo)`, fix: 'type: DirectoryOrCreate to have podman create it, or Directory / File / Socket to say what must be there' }]
            : [];
        }),
      ),
  },
  {
    id: 'container-restart-policy',
    severity: 'warning',
    podman: {},
    title: 'restartPolicy on a regular container',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        !c.init && c.container.restartPolicy !== undefined
          ? { path: [...c.path, 'restartPolicy'], message: `podman ignores a container-level restartPolicy on "${c.name}"; the pod's restartPolicy applies`, fix: 'set spec.restartPolicy instead' }
          : undefined,
      ),
  },
  {
    id: 'image-pull-always',
    severity: 'warning',
    podman: {},
    title: 'imagePullPolicy: Always',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.container.imagePullPolicy === 'Always'
          ? { path: [...c.path, 'imagePullPolicy'], message: `podman pulls "${c.container.image}" on every play: an image that exists only locally (your own build) fails to play, and every start needs the registry`, fix: 'imagePullPolicy: IfNotPresent' }
          : undefined,
      ),
  },
  {
    id: 'image-pull-policy-unset',
    severity: 'warning',
    podman: { before: '4.7.0' },
    title: 'imagePullPolicy unset',
    observed: 'was before 4.9.0: the default policy is "missing" from 4.7.0 (podman d20b5869); 4.3.1 asked the registry, 5.4.2 and 5.8.6 did not',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        c.container.imagePullPolicy === undefined
          ? { path: [...c.path, 'image'], message: `podman before 4.7 uses the pull policy "newer" when none is given: it asks the registry about "${c.container.image}" on every play`, fix: 'imagePullPolicy: IfNotPresent' }
          : undefined,
      ),
  },
  {
    id: 'short-image-name',
    severity: 'warning',
    podman: {},
    title: 'image name without registry',
    observed: 'the message named only unqualified-search-registries: with both localhost/omp-rules/tools:1 and docker.io/omp-rules/tools:1 present, 4.3.1, 5.4.2 and 5.8.6 ran "omp-rules/tools:1" as the localhost one; a short name with no local image failed the play on 4.3.1 and 5.4.2 ("no unqualified-search registries are defined")',
    check: (ctx) =>
      eachContainer(ctx, (c) => {
        const image = c.container.image;
        if (typeof image !== 'string' || !image) return undefined;
        const ref = parseImageRef(image);
        // A reference the grammar does not read (upper case, spaces...) is not judged here.
        return !ref || ref.domain
          ? undefined
          : { path: [...c.path, 'image'], message: `"${image}" has no registry: podman resolves it by this host's configuration (a local image of that name first, e.g. localhost/${image}, then unqualified-search-registries, which Debian leaves empty, so a missing image fails the play), where Kubernetes means docker.io`, fix: `name the registry, e.g. docker.io/${image.includes('/') ? image : `library/${image}`}` };
      }),
  },
  {
    id: 'latest-tag',
    severity: 'warning',
    podman: {},
    title: 'image tagged :latest or untagged (except local builds never pulled)',
    observed: 'the message said 4.9+: 4.3.1, 5.4.2 and 5.8.6 all asked the registry for a :latest image without imagePullPolicy',
    check: (ctx) =>
      eachContainer(ctx, (c) => {
        const image = c.container.image;
        if (typeof image !== 'string' || !image) return undefined;
        const ref = parseImageRef(image);
        if (!ref) return undefined;
        // A local build (localhost/...) that is never pulled has nothing to drift from.
        const neverPulled = ref.domain === 'localhost' && (c.container.imagePullPolicy === 'IfNotPresent' || c.container.imagePullPolicy === 'Never');
        return !isPinned(ref) && !neverPulled
          ? { path: [...c.path, 'image'], message: `"${image}" ${ref.tag ? 'is :latest' : 'has no tag (means :latest)'}: which image runs depends on when it was pulled, and without imagePullPolicy every podman asks the registry on every play whether it changed`, fix: 'pin a version tag (or a digest)' }
          : undefined;
      }),
  },
  {
    id: 'subpath-ignored',
    severity: 'error',
    podman: { before: '4.4.0' },
    title: 'volumeMount subPath',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        asList(c.container.volumeMounts).flatMap((m, i) =>
          m.subPath !== undefined
            ? [{ path: [...c.path, 'volumeMounts', i, 'subPath'], message: `podman before 4.4 ignores subPath: "${c.name}" gets the whole volume "${m.name}" at ${m.mountPath}, not ${JSON.stringify(m.subPath)}`, fix: 'mount a volume that holds only what is needed (e.g. a hostPath of the file itself)' }]
            : [],
        ),
      ),
  },
  {
    id: 'inline-secret-env',
    severity: 'error',
    podman: {},
    title: 'secret value written inline in env',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        asList(c.container.env).flatMap((e, i) =>
          typeof e.name === 'string' && SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== ''
            ? [{ path: [...c.path, 'env', i, 'value'], message: `${e.name} is written in the manifest: anyone who can read the file, and \`podman inspect\`, shows it`, fix: 'keep it in a root-only env file mounted read-only and read at start (as opencode-memory-pod does), not in the manifest' }]
            : [],
        ),
      ),
  },
  {
    id: 'secret-document-values',
    severity: 'warning',
    podman: {},
    title: 'Secret document with values',
    check: (ctx) => {
      if (ctx.doc.kind !== 'Secret') return [];
      return (['data', 'stringData'] as const)
        .filter((k) => asObject(ctx.doc.object[k]) && Object.keys(asObject(ctx.doc.object[k])!).length)
        .map((k) => ({ path: [k], message: `secret values are in the manifest (${k === 'data' ? 'base64 is not encryption' : 'in clear text'}); podman also shows them in \`podman inspect\` of the containers that use them`, fix: 'create the secret on the host (podman secret create) or mount a root-only env file' }));
    },
  },
  {
    id: 'secret-ref-unsupported',
    severity: 'error',
    podman: { before: '4.4.0' },
    title: 'secretKeyRef / envFrom.secretRef',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        secretRefPaths(c).map((path) => ({ path, message: 'podman 4.3 reads Kubernetes secrets as JSON only and fails the play with "secret ... is not valid JSON" for one played from a Secret document', fix: 'mount a root-only env file read-only and read it at start, or require podman 4.4+' })),
      ),
  },
  {
    id: 'secret-ref-visible',
    severity: 'warning',
    podman: { from: '4.4.0' },
    title: 'secrets passed as environment',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        secretRefPaths(c).map((path) => ({ path, message: `podman copies secret values into the container's configuration: \`podman inspect\` of "${c.name}" shows them in clear text`, fix: 'mount a root-only env file read-only and read it at start, so values reach only the process environment' })),
      ),
  },
  {
    id: 'secret-volume-optional',
    severity: 'error',
    podman: { before: '4.4.0' },
    title: 'secret volume without optional',
    observed: 'was `configmap-volume-optional`: 4.3.1 played a configMap volume without `optional`; its nil pointer panic is in VolumeFromSecret, for a secret volume without `optional`',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        asList(pod.spec.volumes).flatMap((v, i) =>
          asObject(v.secret) && asObject(v.secret)!.optional === undefined
            ? [{ path: [...pod.path, 'volumes', i, 'secret'], message: `podman 4.3 crashes (nil pointer dereference in VolumeFromSecret) on secret volume "${v.name}" without an explicit optional: kube play panics and plays nothing`, fix: 'set secret.optional: false' }]
            : [],
        ),
      ),
  },
  {
    id: 'liveness-restart-onfailure',
    severity: 'warning',
    podman: { before: '5.1.0' },
    title: 'livenessProbe under restartPolicy OnFailure',
    observed: 'was before 4.4.0: the misspelt comparison lasted until 5.1.0 (podman d7fa0aa3); 4.3.1 did not restart within 20 s, 5.4.2 and 5.8.6 restarted within 3 s',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        pod.spec.restartPolicy === 'OnFailure' && containersOf(pod).some((c) => !c.init && c.container.livenessProbe)
          ? { path: [...pod.path, 'restartPolicy'], message: 'podman before 5.1 restarts a container whose liveness probe fails only under restartPolicy Always (it compares the policy with a misspelt "onfailure"): under OnFailure a failing liveness probe restarts nothing; a process that exits is still restarted', fix: 'restartPolicy: Always (but see init-container-restart-loop when there are init containers), or podman 5.1+' }
          : undefined,
      ),
  },
  {
    id: 'liveness-no-restart',
    severity: 'info',
    podman: { from: '4.6.0', before: '5.1.0' },
    title: 'livenessProbe (no restart on failure)',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        !c.init && c.container.livenessProbe
          ? { path: [...c.path, 'livenessProbe'], message: `podman 4.6.0-5.0.x mark "${c.name}" unhealthy when the probe fails but do not restart it (a process that exits is still restarted by restartPolicy)`, fix: 'nothing in the manifest; podman 5.1+ restarts again. Watch `podman ps --filter health=unhealthy`' }
          : undefined,
      ),
  },
  {
    id: 'liveness-restart-stops',
    // info, as liveness-no-restart: nothing in the manifest avoids it.
    severity: 'info',
    podman: { from: '4.3.0', before: '4.4.3' },
    title: 'livenessProbe under restartPolicy Always (stopped, never started again)',
    observed: 'new: on 4.3.1 a container whose liveness probe failed under Always exited and was not started again within 20 s; 5.4.2 and 5.8.6 started it again within 3 s (fixed in 4.4.3 and 4.5.0, podman 06925d55 and 95634154)',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        (pod.spec.restartPolicy ?? 'Always') === 'Always'
          ? containersOf(pod)
              .filter((c) => !c.init && c.container.livenessProbe)
              .map((c) => ({
                path: [...c.path, 'livenessProbe'],
                message: `podman 4.3.0-4.4.2 restart an unhealthy "${c.name}" from the health check's own systemd unit, which ends with the restarted container: when the probe fails, the container is stopped and never started again (upstream #17777)`,
                fix: 'something outside podman must start it again (opencode-memory-pod installs a watchdog timer), or podman 4.4.3+',
              }))
          : undefined,
      ),
  },
  {
    id: 'probe-timeout-ignored',
    // info: the validator cannot see whether a script bounds itself (opencode-memory-pod's health.sh does).
    severity: 'info',
    podman: { before: '5.6.0' },
    title: 'exec probe that can hang (timeoutSeconds not enforced)',
    observed: 'new: a check that sleeps 30 s with timeoutSeconds 1 still ran after 15 s on 4.3.1 and 5.4.2; 5.8.6 ended it after 1.4 s (enforced from 5.6.0, podman 499ea116)',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        probes(c)
          .filter(({ probe }) => asObject(probe.exec) && !boundedCommand(asObject(probe.exec)!.command))
          .map(({ path }) => ({
            path: [...path, 'exec', 'command'],
            message: `podman before 5.6 does not end a health check that runs past timeoutSeconds: unless the command bounds itself, a check that hangs (e.g. the client of a stopped server) blocks the health checks of "${c.name}" for good, and the container is never marked unhealthy`,
            fix: 'bound the check in the command itself: ["timeout", "-s", "KILL", "4", ...] (coreutils and busybox have timeout)',
          })),
      ),
  },
  {
    id: 'termination-grace-ignored',
    severity: 'info',
    podman: { before: '4.7.0' },
    title: 'terminationGracePeriodSeconds',
    observed: 'was before 4.9.0: honoured from 4.7.0 (podman d9a85466); 5.4.2 and 5.8.6 set the stop timeout to the 3 s asked, 4.3.1 kept 10 s',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        pod.spec.terminationGracePeriodSeconds !== undefined
          ? { path: [...pod.path, 'terminationGracePeriodSeconds'], message: 'podman before 4.7 ignores terminationGracePeriodSeconds (containers get 10 s), and 4.3.1\'s kube down kills them without any grace', fix: `stop with \`podman pod stop --time ${pod.spec.terminationGracePeriodSeconds} <pod>\` before \`podman kube down\` (opencode-memory-pod's units do)` }
          : undefined,
      ),
  },
  {
    id: 'host-pid-ignored',
    severity: 'warning',
    podman: { before: '4.4.0' },
    title: 'hostPID',
    observed: 'was `host-namespaces-ignored`, before 4.9.0: hostPID is honoured from 4.4.0 (podman 3ae84fe0); 5.4.2 and 5.8.6 joined the host PID namespace, 4.3.1 did not',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        pod.spec.hostPID === true ? { path: [...pod.path, 'hostPID'], message: 'podman before 4.4 ignores hostPID: the containers keep a PID namespace of their own', fix: 'require podman 4.4+, or do without it' } : undefined,
      ),
  },
  {
    id: 'host-ipc-ignored',
    severity: 'warning',
    podman: { before: '4.5.0' },
    title: 'hostIPC',
    observed: 'was `host-namespaces-ignored`, before 4.9.0: hostIPC is honoured from 4.5.0 (podman 08186d7d); 5.4.2 and 5.8.6 joined the host IPC namespace, 4.3.1 did not',
    check: (ctx) =>
      eachPod(ctx, (pod) =>
        pod.spec.hostIPC === true ? { path: [...pod.path, 'hostIPC'], message: 'podman before 4.5 ignores hostIPC: the containers keep an IPC namespace of their own', fix: 'require podman 4.5+, or do without it' } : undefined,
      ),
  },
  {
    id: 'cpu-request-ignored',
    severity: 'info',
    podman: {},
    title: 'resources.requests.cpu',
    check: (ctx) =>
      eachContainer(ctx, (c) =>
        asObject(asObject(c.container.resources)?.requests)?.cpu !== undefined
          ? { path: [...c.path, 'resources', 'requests', 'cpu'], message: `podman ignores CPU requests ("${c.name}"); limits.cpu, limits.memory and requests.memory are honoured`, fix: 'use limits.cpu if the share matters' }
          : undefined,
      ),
  },
  {
    id: 'security-context-ignored',
    severity: 'warning',
    podman: {},
    title: 'runAsNonRoot, fsGroup or seccompProfile',
    check: (ctx) => {
      const hits: RuleHit[] = [];
      for (const pod of podSpecsOf(ctx.doc)) {
        const podCtx = asObject(pod.spec.securityContext);
        for (const k of ['runAsNonRoot', 'fsGroup', 'seccompProfile']) {
          if (podCtx?.[k] !== undefined) hits.push({ path: [...pod.path, 'securityContext', k], message: `podman ignores securityContext.${k}: it is not enforced`, fix: 'enforce it in the image (USER) or with runAsUser, which podman honours' });
        }
        for (const c of containersOf(pod)) {
          const sc = asObject(c.container.securityContext);
          for (const k of ['runAsNonRoot', 'seccompProfile']) {
            if (sc?.[k] !== undefined) hits.push({ path: [...c.path, 'securityContext', k], message: `podman ignores securityContext.${k} on "${c.name}": it is not enforced`, fix: 'enforce it with runAsUser, which podman honours' });
          }
        }
      }
      return hits;
    },
  },
  {
    id: 'env-from-overrides-env',
    severity: 'warning',
    podman: { before: '5.8.0' },
    title: 'variable set by both env and envFrom',
    observed: 'was every podman: 5.8.6 lets env win, as Kubernetes does (podman 8eacbd84, 5.8.0); 4.3.1 and 5.4.2 let envFrom win',
    check: (ctx) =>
      eachContainer(ctx, (c) => {
        const fromKeys = new Map<string, number>();
        asList(c.container.envFrom).forEach((e, i) => {
          const ref = asObject(e.configMapRef);
          const cm = ref && ctx.documents.find((d) => d.kind === 'ConfigMap' && d.name === ref.name);
          for (const key of Object.keys(asObject(cm?.object.data) ?? {})) fromKeys.set(`${e.prefix ?? ''}${key}`, i);
        });
        return asList(c.container.env).flatMap((e, i) =>
          typeof e.name === 'string' && fromKeys.has(e.name)
            ? [{ path: [...c.path, 'env', i], message: `${e.name} is set by env and by envFrom[${fromKeys.get(e.name)}]: podman before 5.8 lets envFrom win, Kubernetes (and podman 5.8+) let env win`, fix: 'set it in one place' }]
            : [],
        );
      }),
  },
  {
    id: 'pods-do-not-share-localhost',
    severity: 'info',
    podman: {},
    title: 'several Pods in one file',
    check: (ctx) => {
      const pods = ctx.documents.filter((d) => d.kind === 'Pod');
      return pods.length > 1 && pods[0] !== ctx.doc && ctx.doc.kind === 'Pod'
        ? [{ path: ['metadata', 'name'], message: `this file plays ${pods.length} pods, one after another, in no dependency order; each has its own network: they do not reach each other on localhost`, fix: 'put containers that talk over localhost in one Pod' }]
        : [];
    },
  },
];

/** Ports of httpGet and tcpSocket health probes given as a name, with where they are. */
function namedProbePorts(c: ContainerAt): Array<{ port: string; path: FieldPath; kind: string }> {
  return probes(c).flatMap(({ probe, path, kind }) => {
    const handler = asObject(probe.httpGet) ? 'httpGet' : asObject(probe.tcpSocket) ? 'tcpSocket' : undefined;
    if (!handler) return [];
    const port = asObject(probe[handler])!.port;
    return typeof port === 'string' && !/^\d+$/.test(port) ? [{ port, path: [...path, handler, 'port'], kind }] : [];
  });
}

/** An exec probe command that bounds itself (`timeout ...`), so a hang cannot outlive it. */
function boundedCommand(command: unknown): boolean {
  return Array.isArray(command) && /(^|\/)timeout$/.test(String(command[0] ?? ''));
}

/** Ports entries whose `field` (with protocol) an earlier container of the pod already has. */
function repeatedPorts(pod: PodSpecAt, field: 'hostPort' | 'containerPort', withInit: boolean) {
  const seen = new Map<string, string>();
  const repeats: Array<{ c: ContainerAt; i: number; port: unknown; proto: string; other: string }> = [];
  for (const c of containersOf(pod)) {
    if (c.init && !withInit) continue;
    asList(c.container.ports).forEach((p, i) => {
      if (p[field] === undefined) return;
      const key = `${p[field]}/${portKey(p)}`;
      const other = seen.get(key);
      if (other) repeats.push({ c, i, port: p[field], proto: portKey(p), other });
      else seen.set(key, c.name);
    });
  }
  return repeats;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
