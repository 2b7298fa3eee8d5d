import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Container, KubeConfigMap, KubePod, Probe, Quantity, Volume, VolumeMount } from '../../imports/k8s';
import { PodModel, Stage, STOP_GRACE_SECONDS } from '../model/pod-model';
import { hostContainerEnvFile, livenessCommand, POD_PATHS, serviceStateDir } from '../model/pod-paths';
import { hostAddress } from '../model/exposure';
import { ownedFolders } from '../model/service';
import { formatUserGroup } from '../lib/user-group';
import { DEFAULT_HEALTH_TIMEOUT_SECONDS, runtimeScripts } from './runtime-scripts';

/**
 * Seconds between podman's own liveness checks (--health-interval): a slow safety net. The
 * watchdog (systemd-watchdog.ts) asks every service from the host every 5 s without starting a
 * process; each `podman healthcheck run` costs about 0.25 s of CPU, so four containers checked
 * every 5 s kept an idle pod at a quarter of a core. Every 5 minutes they cost about 0.2 s a minute.
 */
export const LIVENESS_PERIOD_SECONDS = 300;
/** Consecutive failures before podman marks a container unhealthy. */
export const LIVENESS_FAILURES = 2;

export interface PodmanPodChartProps {
  /** The pod to render. */
  readonly model: PodModel;
}

/**
 * The pod for `podman kube play` (podman 4.3.1 through 5.x): one ConfigMap holding the launcher
 * and health scripts, and one Pod whose containers each run the launcher, which enforces the
 * dependency order podman itself does not have. Written with the L1 API so nothing is added that
 * podman would treat differently (cdk8s-plus L2 defaults such as imagePullPolicy: Always break
 * local images).
 */
export class PodmanPodChart extends Chart {
  constructor(scope: Construct, id: string, props: PodmanPodChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { model } = props;
    const runtimeName = `${model.podName}-runtime`;
    const labels = { 'app.kubernetes.io/name': model.podName, 'app.kubernetes.io/managed-by': 'opencode-memory-pod' };

    // The ConfigMap must precede the Pod: kube play resolves configMap volumes from the same file.
    new KubeConfigMap(this, 'runtime', {
      metadata: { name: runtimeName, labels },
      data: runtimeScripts(model),
    });

    new KubePod(this, 'pod', {
      metadata: { name: model.podName, labels },
      spec: {
        // Always: podman restarts a container whose process dies (kill -9, crash). Podman 4.3.x
        // makes init containers inherit this and loop; this pod has none.
        restartPolicy: 'Always',
        // Honoured from podman 4.9 as the containers' stop timeout: time for Valkey and FalkorDB to save.
        terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
        containers: model.stages.map((stage) => renderContainer(model, stage)),
        volumes: renderVolumes(model, runtimeName),
      },
    });
  }
}

function renderContainer(model: PodModel, stage: Stage): Container {
  const { spec } = stage;
  const launcher = ['/bin/sh', `${POD_PATHS.scriptsDir}/launch.sh`, '--name', spec.name];
  if (model.ordering) {
    for (const dep of stage.waitsFor) launcher.push('--after', dep);
  }
  launcher.push('--timeout', String(spec.startTimeoutSeconds));
  // Every service posts its marker: dependents wait for it, and the liveness probe tells
  // "still starting" (no marker yet) from "was healthy, now failing".
  launcher.push('--post-health');
  if (spec.secrets.envKeys === 'all') launcher.push('--env-all');
  else for (const key of spec.secrets.envKeys) launcher.push('--env', key);
  if (spec.secrets.requirepassFrom) launcher.push('--requirepass-from', spec.secrets.requirepassFrom);
  if (spec.secrets.requirePassword) launcher.push('--require-password');
  // Not securityContext.runAsUser: the launcher needs root for the env file and the state
  // directories (emptyDirs podman makes root's), and switches to the user itself before the exec.
  if (spec.runAs) {
    launcher.push('--user', formatUserGroup(spec.runAs));
    for (const dir of ownedFolders(spec)) launcher.push('--own', dir);
  } else {
    // The image's own start runs as root (and may hand the folder to its user, as Valkey's does):
    // a folder podman just made (root's, 0755) is made 0700 first.
    for (const m of spec.mounts.filter((mount) => mount.ownedByService)) launcher.push('--private', m.mountPath);
  }
  if (spec.umask) launcher.push('--umask', spec.umask);
  launcher.push('--', ...spec.entrypoint);

  // No initialDelaySeconds and no startupProbe: `health.sh --live` passes while the launcher
  // waits and while the service starts, so a hang is caught from the first seconds on, and every
  // podman reads the probe the same way (4.3.1 ignores startupProbe; 5.8 reports "starting", not
  // healthy, for the whole start period).
  const liveness: Probe = {
    exec: { command: livenessCommand(spec.name) },
    periodSeconds: LIVENESS_PERIOD_SECONDS,
    timeoutSeconds: spec.health.timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS,
    failureThreshold: spec.health.retries ?? LIVENESS_FAILURES,
  };

  const mounts: VolumeMount[] = [
    { name: 'runtime', mountPath: POD_PATHS.scriptsDir, readOnly: true },
    { name: envVolumeName(spec.name), mountPath: POD_PATHS.envFile, readOnly: true },
    ...stateMounts(model, stage),
    ...spec.mounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: m.readOnly || undefined })),
  ];
  const env = Object.entries(spec.env).map(([name, value]) => ({ name, value }));

  return {
    name: spec.name,
    image: spec.image,
    // Local images (the user's OpenCode build) must play; podman 4.3.1 defaults to "newer".
    imagePullPolicy: 'IfNotPresent',
    command: launcher,
    args: spec.args.length ? [...spec.args] : undefined,
    workingDir: spec.workingDir,
    env: env.length ? env : undefined,
    // Only published ports are listed, each with hostPort and hostIP: podman 4.3-4.7 publish
    // every listed containerPort, on 0.0.0.0 when hostIP is missing.
    ports: spec.ports
      .filter((p) => p.hostPort !== undefined)
      .map((p) => ({ name: p.name, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: hostAddress(spec, model.bindAddress), protocol: 'TCP' })),
    livenessProbe: liveness,
    // Honoured by kube play on 4.3.1 to 5.8 (the suite reads each container's bounding set).
    securityContext: { capabilities: { drop: ['ALL'], add: spec.capabilities.length ? [...spec.capabilities] : undefined } },
    resources: model.memoryLimits ? { limits: { memory: Quantity.fromString(spec.memoryLimit) } } : undefined,
    volumeMounts: mounts,
  };
}

function renderVolumes(model: PodModel, runtimeName: string): Volume[] {
  return [
    // An explicit `optional`: podman 4.3.1 crashes on a secret volume without one (a configMap volume
    // plays either way, observed by test:rules); kept so the file reads the same on every version.
    { name: 'runtime', configMap: { name: runtimeName, optional: false } },
    // One env file per container, with only the keys its service receives (split-env.sh writes
    // them from the host env file). Read at start by the launcher; values never enter the
    // manifest or `podman inspect`.
    ...model.stages.map(({ spec }) => ({ name: envVolumeName(spec.name), hostPath: { path: hostContainerEnvFile(model.podName, spec.name), type: 'File' } })),
    // One state volume per container (its markers and lock; see stateMounts). podman 4.3.1 turns
    // an emptyDir into a named volume called after it: pod-specific names avoid sharing markers
    // with another pod. Removed with the pod; they survive `podman pod restart`: markers count only
    // while their container holds its lock (launch.sh).
    ...model.stages.map(({ spec }) => ({ name: stateVolumeName(model, spec.name), emptyDir: {} })),
    ...model.stages.flatMap(({ spec }) => spec.mounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath, type: m.type } }))),
  ];
}

/** The volume of one container's own env file. */
function envVolumeName(service: string): string {
  return `env-${service}`;
}

/**
 * A container's state mounts: its own volume read-write, and read-only the volumes of the services
 * its launcher waits for. OpenCode runs shell commands for its model: with one shared, writable
 * volume anything in its container could post another service's failure marker, or forge a
 * healthy one, and take the stores down. Read-only (`ro` on podman 4.3.1 to 5.x) nothing in a
 * container can create, change or remove another's files, as root or not. The liveness probe, the
 * systemd start gate and the watchdog run health.sh in the service's own container, which reads
 * only its own markers.
 */
function stateMounts(model: PodModel, stage: Stage): VolumeMount[] {
  const { name } = stage.spec;
  const reads = model.ordering ? stage.waitsFor : [];
  return [
    { name: stateVolumeName(model, name), mountPath: serviceStateDir(name) },
    ...reads.map((dep) => ({ name: stateVolumeName(model, dep), mountPath: serviceStateDir(dep), readOnly: true })),
  ];
}

/** A container's state volume; podman 4.3.1 uses an emptyDir's name as a global volume name. */
function stateVolumeName(model: PodModel, service: string): string {
  return `${model.podName}-state-${service}`;
}
