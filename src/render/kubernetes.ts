import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Container,
  EnvFromSource,
  EnvVar,
  IntOrString,
  KubeConfigMap,
  KubeNetworkPolicy,
  KubeService,
  KubeStatefulSet,
  KubePersistentVolumeClaimProps,
  PodSecurityContext,
  Probe,
  Quantity,
  ServicePort,
  VolumeMount,
} from '../../imports/k8s';
import { PodModel, Stage, STOP_GRACE_SECONDS } from '../model/pod-model';
import { healthCommand, POD_PATHS } from '../model/pod-paths';
import { HostMountSpec } from '../model/service';

/**
 * Liveness on a cluster: the kubelet restarts a container whose probe fails, and the startupProbe
 * shields the start, so the usual period applies (the podman pod probes faster: podman itself does
 * not act on failures, the watchdog does, and must see a hang within seconds).
 */
const LIVENESS_PERIOD_SECONDS = 10;
const LIVENESS_FAILURES = 3;
import { DEFAULT_HEALTH_TIMEOUT_SECONDS } from './runtime-scripts';
import { kubernetesRuntimeScripts } from './kubernetes-runtime';

/** A service of the model that runs outside the pod on this target (e.g. a node agent). */
export interface ExternalService {
  /** Service name in the model. */
  readonly service: string;
  /** Env var its dependents get, holding the node's IP (fieldRef status.hostIP). */
  readonly hostEnv: string;
  /** Why, for the manifest's header. */
  readonly note: string;
}

export interface KubernetesProps {
  readonly model: PodModel;
  /** Namespace written into every object; unset: kubectl's. */
  readonly namespace?: string;
  /**
   * Prefix of the Secrets made from the env file, one per container (`<secretName>-<service>`,
   * holding only the keys that service receives); every secret reaches containers only through them.
   */
  readonly secretName: string;
  readonly storageClassName?: string;
  /** Size per persistent volume name; others get defaultStorage. */
  readonly storage: Readonly<Record<string, string>>;
  readonly defaultStorage: string;
  readonly cpuRequest: string;
  readonly external: readonly ExternalService[];
}

/** The Secret one container reads: only the env-file keys its service receives. */
export function containerSecretName(secretName: string, service: string): string {
  return `${secretName}-${service}`;
}

/** Label a pod needs to reach the stores' ports through the NetworkPolicy. */
export const STORE_CLIENT_LABEL = 'opencode-memory-pod/store-client';

/** The pod as Kubernetes runs it: who is a native sidecar, who is an app, what was left out. */
export interface KubernetesPlan {
  /** Services others depend on, in dependency order: native sidecars (initContainers, restartPolicy Always). */
  readonly sidecars: readonly Stage[];
  /** Services nothing depends on: the app containers. */
  readonly apps: readonly Stage[];
  readonly external: readonly ExternalService[];
  /** Host mounts that have no meaning on a cluster (sockets, host files); not rendered. */
  readonly droppedMounts: ReadonlyArray<{ readonly service: string; readonly mount: HostMountSpec }>;
}

/**
 * Derives the Kubernetes shape from the same dependency graph as the podman target: a service
 * others wait for becomes a native sidecar, started in dependency order (Kubernetes starts each
 * init container only once the previous sidecar's startupProbe passed); the rest are app containers.
 */
export function planKubernetes(model: PodModel, external: readonly ExternalService[]): KubernetesPlan {
  const out = new Set(external.map((e) => e.service));
  const stages = model.stages
    .filter((s) => !out.has(s.spec.name))
    .map((s) => ({ ...s, waitsFor: s.waitsFor.filter((d) => !out.has(d)), dependents: s.dependents.filter((d) => !out.has(d)) }));
  return {
    sidecars: stages.filter((s) => s.dependents.length > 0),
    apps: stages.filter((s) => s.dependents.length === 0),
    external: external.filter((e) => model.stages.some((s) => s.spec.name === e.service)),
    droppedMounts: stages.flatMap((s) => s.spec.mounts.filter((m) => !onCluster(m)).map((mount) => ({ service: s.spec.name, mount }))),
  };
}

/**
 * The Kubernetes target (1.29+): a ConfigMap with the health checks, a one-replica StatefulSet
 * whose persistent data lives on volume claims, a Service for what users reach, a headless Service
 * that governs the StatefulSet, and a NetworkPolicy that admits to the stores only pods labelled
 * as their clients. Rendered from the PodModel alone: no service construct knows this target.
 */
export class KubernetesChart extends Chart {
  readonly plan: KubernetesPlan;

  constructor(scope: Construct, id: string, props: KubernetesProps) {
    super(scope, id, { disableResourceNameHashes: true, namespace: props.namespace });
    const { model } = props;
    const plan = planKubernetes(model, props.external);
    this.plan = plan;
    const labels = { 'app.kubernetes.io/name': model.podName, 'app.kubernetes.io/managed-by': 'opencode-memory-pod' };
    const selector = { 'app.kubernetes.io/name': model.podName };
    const runtimeName = `${model.podName}-runtime`;
    const stages = [...plan.sidecars, ...plan.apps];

    new KubeConfigMap(this, 'runtime', { metadata: { name: runtimeName, labels }, data: kubernetesRuntimeScripts(stages) });

    const claims: KubePersistentVolumeClaimProps[] = stages.flatMap(({ spec }) =>
      spec.mounts.filter(onCluster).map((m) => ({
        metadata: { name: m.name, labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: props.storageClassName,
          resources: { requests: { storage: Quantity.fromString(props.storage[m.name] ?? props.defaultStorage) } },
        },
      })),
    );

    const headless = `${model.podName}-headless`;
    new KubeStatefulSet(this, 'statefulset', {
      metadata: { name: model.podName, labels },
      spec: {
        replicas: 1,
        serviceName: headless,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: STOP_GRACE_SECONDS,
            // No <SERVICE>_PORT variables: redis-style images read *_PORT and a Service named
            // like a store would collide with their own settings.
            enableServiceLinks: false,
            // Nothing in the pod talks to the Kubernetes API.
            automountServiceAccountToken: false,
            // A service that runs as its own user writes to its claims: they are made group-owned
            // by its group (a new claim is root's). Only where they are not already (OnRootMismatch).
            securityContext: fsGroup(stages),
            initContainers: plan.sidecars.map((s) => renderContainer(props, plan, s, true)),
            containers: plan.apps.map((s) => renderContainer(props, plan, s, false)),
            volumes: [{ name: 'runtime', configMap: { name: runtimeName, defaultMode: 0o444 } }],
          },
        },
        volumeClaimTemplates: claims.length ? claims : undefined,
      },
    });

    const portsOf = (list: readonly Stage[]): ServicePort[] =>
      list.flatMap(({ spec }) => spec.ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: IntOrString.fromString(p.name), protocol: 'TCP' })));
    // What a user reaches: the ports of the app containers. The stores are the apps' business
    // (reached on localhost inside the pod), and `kubectl port-forward` reaches them for a person.
    new KubeService(this, 'service', { metadata: { name: model.podName, labels }, spec: { type: 'ClusterIP', selector, ports: portsOf(plan.apps) } });
    new KubeService(this, 'headless', { metadata: { name: headless, labels }, spec: { clusterIp: 'None', selector, ports: portsOf(stages) } });

    const sidecarPorts = plan.sidecars.flatMap(({ spec }) => spec.ports.map((p) => ({ port: IntOrString.fromNumber(p.containerPort), protocol: 'TCP' })));
    new KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: model.podName, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [
          { ports: plan.apps.flatMap(({ spec }) => spec.ports.map((p) => ({ port: IntOrString.fromNumber(p.containerPort), protocol: 'TCP' }))) },
          ...(sidecarPorts.length ? [{ from: [{ podSelector: { matchLabels: { [STORE_CLIENT_LABEL]: 'true' } } }], ports: sidecarPorts }] : []),
        ],
      },
    });
  }
}

function renderContainer(props: KubernetesProps, plan: KubernetesPlan, stage: Stage, sidecar: boolean): Container {
  const { spec } = stage;
  const probeTimeout = spec.health.timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS;
  const exec = { command: healthCommand(spec.name) };
  // The startup probe gates everything: the next sidecar, the app containers, liveness and readiness.
  const startup: Probe = { exec, periodSeconds: 1, timeoutSeconds: probeTimeout, failureThreshold: spec.startTimeoutSeconds };
  const liveness: Probe = {
    exec,
    periodSeconds: spec.health.intervalSeconds ?? LIVENESS_PERIOD_SECONDS,
    timeoutSeconds: probeTimeout,
    failureThreshold: spec.health.retries ?? LIVENESS_FAILURES,
  };
  const readiness: Probe = { exec, periodSeconds: 5, timeoutSeconds: probeTimeout, failureThreshold: 2 };

  const env: EnvVar[] = [];
  const externalDeps = plan.external.filter((e) => stage.spec.dependsOn.some((d) => d.service === e.service));
  for (const e of externalDeps) env.push({ name: e.hostEnv, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
  // Inside the pod an external service is no longer on loopback: an address 127.0.0.1:PORT that
  // no container of this pod listens on was the moved service, now at the node's IP.
  const podPorts = new Set([...plan.sidecars, ...plan.apps].flatMap((s) => s.spec.ports.map((p) => p.containerPort)));
  for (const [name, value] of Object.entries(spec.env)) {
    let v = value;
    if (externalDeps.length) {
      v = v.replace(/127\.0\.0\.1:(\d+)/g, (all, port: string) => (podPorts.has(Number(port)) ? all : `$(${externalDeps[0].hostEnv}):${port}`));
    }
    env.push({ name, value: v });
  }

  // Secrets come only from the container's own Secret (the env-file keys its service receives):
  // all of them (envFrom), or the listed keys, plus those the health check and the requirepass
  // hand-over read. Required keys are named explicitly so a missing key stops the container with an
  // error that says which.
  const secrets = spec.secrets;
  const secretName = containerSecretName(props.secretName, spec.name);
  const required = new Set(secrets.requiredKeys ?? []);
  const listed = new Set<string>([
    ...(secrets.envKeys === 'all' ? [] : secrets.envKeys),
    ...spec.health.envKeys,
    ...(secrets.requirepassFrom ? [secrets.requirepassFrom] : []),
    ...required,
  ]);
  for (const key of [...listed].sort()) {
    if (secrets.envKeys === 'all' && !required.has(key)) continue;
    env.push({ name: key, valueFrom: { secretKeyRef: { name: secretName, key, optional: !required.has(key) } } });
  }
  const envFrom: EnvFromSource[] | undefined = secrets.envKeys === 'all' ? [{ secretRef: { name: secretName } }] : undefined;

  const started = secrets.requirepassFrom
    ? ['/bin/sh', `${POD_PATHS.scriptsDir}/requirepass-exec.sh`, secrets.requirepassFrom, '--', ...spec.entrypoint]
    : [...spec.entrypoint];
  // No launcher here to set the service's umask (Kubernetes has no field for it): a shell sets it and execs the rest.
  const command = spec.umask ? ['/bin/sh', '-c', `umask ${spec.umask} && exec "$@"`, 'sh', ...started] : started;
  const mounts: VolumeMount[] = [
    { name: 'runtime', mountPath: POD_PATHS.scriptsDir, readOnly: true },
    ...spec.mounts.filter(onCluster).map((m) => ({ name: m.name, mountPath: m.mountPath })),
  ];

  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command,
    args: spec.args.length ? [...spec.args] : undefined,
    workingDir: spec.workingDir,
    env: env.length ? env : undefined,
    envFrom,
    ports: spec.ports.length ? spec.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })) : undefined,
    // A native sidecar: Kubernetes 1.29+ keeps it running beside the app containers.
    restartPolicy: sidecar ? 'Always' : undefined,
    startupProbe: startup,
    livenessProbe: liveness,
    readinessProbe: readiness,
    // The same capabilities as in the podman pod: only what the image's own start needs.
    // Without the podman launcher the user is the kubelet's to set; it needs none of the launcher's
    // capabilities then, and no setuid binary may bring any back.
    securityContext: spec.runAs
      ? {
          runAsUser: spec.runAs.uid,
          runAsGroup: spec.runAs.gid,
          runAsNonRoot: spec.runAs.uid !== 0,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        }
      : { capabilities: { drop: ['ALL'], add: spec.capabilities.length ? [...spec.capabilities] : undefined } },
    resources: {
      requests: { cpu: Quantity.fromString(props.cpuRequest), memory: Quantity.fromString(spec.memoryLimit) },
      limits: { memory: Quantity.fromString(spec.memoryLimit) },
    },
    volumeMounts: mounts,
  };
}

/**
 * What a host mount becomes on a cluster: persistent data and workspaces get a volume claim at the
 * same path (a workspace starts empty there: the code is cloned into it, the node has no such
 * folder of the user's); host files and sockets have no meaning on another machine.
 */
function onCluster(m: HostMountSpec): boolean {
  return Boolean(m.persistent || m.workspace);
}

/** The pod's fsGroup: the group of the service that runs as its own user, if one does. */
function fsGroup(stages: readonly Stage[]): PodSecurityContext | undefined {
  const runAs = stages.map((s) => s.spec.runAs).find((r) => r !== undefined);
  return runAs ? { fsGroup: runAs.gid, fsGroupChangePolicy: 'OnRootMismatch' } : undefined;
}
