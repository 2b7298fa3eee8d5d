import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Container, KubeConfigMap, KubePod, Probe, Quantity, Volume, VolumeMount } from '../../imports/k8s';
import { PodModel, Stage, STOP_GRACE_SECONDS } from '../model/pod-model';
import { healthCommand, POD_PATHS } from '../model/pod-paths';
import { runtimeScripts } from './runtime-scripts';

/** Seconds between liveness checks (podman: --health-interval). */
export const LIVENESS_PERIOD_SECONDS = 10;
/** Consecutive failures before podman marks a container unhealthy. */
export const LIVENESS_FAILURES = 3;

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
        containers: model.stages.map((stage, index) => renderContainer(model, stage, index)),
        volumes: renderVolumes(model, runtimeName),
      },
    });
  }
}

function renderContainer(model: PodModel, stage: Stage, index: number): Container {
  const { spec } = stage;
  const timeout = spec.startTimeoutSeconds;
  const launcher = ['/bin/sh', `${POD_PATHS.scriptsDir}/launch.sh`, '--name', spec.name];
  if (model.ordering) {
    for (const dep of stage.waitsFor) launcher.push('--after', dep);
  }
  launcher.push('--timeout', String(timeout));
  if (model.ordering && stage.dependents.length) launcher.push('--post-health');
  if (spec.secrets.envKeys === 'all') launcher.push('--env-all');
  else for (const key of spec.secrets.envKeys) launcher.push('--env', key);
  if (spec.secrets.requirepassFrom) launcher.push('--requirepass-from', spec.secrets.requirepassFrom);
  launcher.push('--', ...spec.entrypoint);

  // A container may wait for every service before it, then take its own time to start:
  // failures inside this window must not count (podman: --health-start-period).
  const startWindow = timeout * (index + 1);
  const probeTimeout = spec.health.timeoutSeconds ?? 5;
  const exec = { command: healthCommand(spec.name) };
  const liveness: Probe = {
    exec,
    initialDelaySeconds: startWindow,
    periodSeconds: LIVENESS_PERIOD_SECONDS,
    timeoutSeconds: probeTimeout,
    failureThreshold: LIVENESS_FAILURES,
  };
  // Honoured from podman 4.4 (4.3.1 ignores it): checks every second until healthy, so the
  // container reports healthy without waiting for the liveness interval.
  const startup: Probe = {
    exec,
    periodSeconds: 1,
    timeoutSeconds: probeTimeout,
    failureThreshold: startWindow,
  };

  const mounts: VolumeMount[] = [
    { name: 'runtime', mountPath: POD_PATHS.scriptsDir, readOnly: true },
    { name: 'env-file', mountPath: POD_PATHS.envFile, readOnly: true },
    { name: stateVolumeName(model), mountPath: POD_PATHS.stateDir },
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
    env: env.length ? env : undefined,
    // Only published ports are listed, each with hostPort and hostIP: podman 4.3-4.7 publish
    // every listed containerPort, on 0.0.0.0 when hostIP is missing.
    ports: spec.ports
      .filter((p) => p.hostPort !== undefined)
      .map((p) => ({ name: p.name, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: model.bindAddress, protocol: 'TCP' })),
    livenessProbe: liveness,
    startupProbe: startup,
    resources: model.memoryLimits ? { limits: { memory: Quantity.fromString(spec.memoryLimit) } } : undefined,
    volumeMounts: mounts,
  };
}

function renderVolumes(model: PodModel, runtimeName: string): Volume[] {
  return [
    // podman 4.3.1 crashes on a configMap volume without an explicit `optional`.
    { name: 'runtime', configMap: { name: runtimeName, optional: false } },
    // Read at container start by the launcher; values never enter the manifest or `podman inspect`.
    { name: 'env-file', hostPath: { path: model.envFile, type: 'File' } },
    // podman 4.3.1 turns an emptyDir into a named volume called after it: a pod-specific name
    // avoids sharing markers with another pod. It is removed with the pod.
    { name: stateVolumeName(model), emptyDir: {} },
    ...model.stages.flatMap(({ spec }) => spec.mounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath, type: m.type } }))),
  ];
}

/** The emptyDir's name; podman 4.3.1 uses it as a global volume name. */
function stateVolumeName(model: PodModel): string {
  return `${model.podName}-state`;
}
