import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { Service, ServiceProps, ServiceSpec } from '../model/service';

/**
 * The default image: an exact release, so that two hosts set up on different days run the same
 * agent (the `7` tag moves to each release, about monthly). 7.84.6 is the newest 7.x release found
 * (DataDog/helm-charts made it its default agent in datadog-3.261.1, 2026-10-26); its image is the
 * Ubuntu 24.04 + s6-overlay one whose contract images.md describes and the e2e stand-in models.
 */
export const DEFAULT_DATADOG_IMAGE = 'gcr.io/datadoghq/agent:7.84.6';

/** Keys the Datadog Agent receives by default: its own settings (DD_API_KEY, DD_SITE, ...). */
export const DATADOG_SECRET_KEYS: readonly string[] = ['DD_*'];

export interface DatadogAgentProps extends ServiceProps {
  /** Host port for APM traces (the agent listens on 8126). */
  readonly apmHostPort: number;
  /** Host path of the rootful podman API socket. */
  readonly podmanSocket: string;
  /**
   * Mount the podman socket, /proc and /sys/fs/cgroup (logs of every container, container metrics).
   * The socket is the rootful podman API: whoever controls the agent's container controls the host.
   */
  readonly containerDiscovery: boolean;
  /** DD_HOSTNAME, when set. */
  readonly hostname?: string;
  /** Open the OTLP/HTTP receiver (127.0.0.1:4318 in the pod) for OpenCode's OpenTelemetry. */
  readonly otlpReceiver: boolean;
}

/** Port of the agent's OTLP/HTTP receiver inside the pod. */
export const OTLP_HTTP_PORT = 4318;
/** Port of the trace-agent's APM receiver. */
export const APM_PORT = 8126;

/**
 * Capabilities the Datadog Agent keeps: s6-overlay's init fixes ownership and modes of its runtime
 * directories (CHOWN, FOWNER, DAC_OVERRIDE) and supervises services it may run as dd-agent (uid 100:
 * SETUID, SETGID, KILL). Dropped from podman's default set: NET_BIND_SERVICE (it listens on 8125,
 * 8126, 4318 and 5001), FSETID, SETFCAP, SETPCAP, SYS_CHROOT. Proven with the stand-in only (no
 * registry here); add one back with services.datadog.extraCapabilities if an agent check needs it.
 */
export const DATADOG_CAPABILITIES: readonly Capability[] = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'];

/**
 * `agent health` asks the core agent over its IPC API. Dependents use the trace-agent's APM
 * receiver and the OTLP receiver, which come up after the core agent (separate s6 services), so
 * the check also connects to them: bash's /dev/tcp (the image has bash, no curl or nc).
 */
function datadogHealthScript(otlpReceiver: boolean): string {
  const ports = otlpReceiver ? [APM_PORT, OTLP_HTTP_PORT] : [APM_PORT];
  return ['agent health >/dev/null 2>&1 || exit 1', ...ports.map((port) => `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null || exit 1`)].join('\n');
}

/**
 * Datadog Agent 7. Contract (images.md): no ENTRYPOINT, CMD /bin/entrypoint.sh -> s6 /init, which
 * runs cont-init.d (01-check-apikey stops the container when DD_API_KEY is empty) and supervises
 * the agents; `agent health` is the health check; no curl/wget.
 */
export class DatadogAgent extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: DatadogAgentProps,
  ) {
    super(scope, id);
  }

  /** Endpoint OpenTelemetry exporters in the pod send to, when the receiver is on. */
  get otlpEndpoint(): string | undefined {
    return this.props.otlpReceiver ? `http://127.0.0.1:${OTLP_HTTP_PORT}` : undefined;
  }

  get spec(): ServiceSpec {
    const p = this.props;
    const env: Record<string, string> = {
      // Logs of every container, found through the podman socket mounted as the docker socket.
      ...(p.containerDiscovery ? { DD_LOGS_ENABLED: 'true', DD_LOGS_CONFIG_CONTAINER_COLLECT_ALL: 'true' } : {}),
      DD_APM_ENABLED: 'true',
      // Traces sent to the host port arrive NATed (not from loopback).
      DD_APM_NON_LOCAL_TRAFFIC: 'true',
    };
    if (p.hostname) env.DD_HOSTNAME = p.hostname;
    if (p.otlpReceiver) env.DD_OTLP_CONFIG_RECEIVER_PROTOCOLS_HTTP_ENDPOINT = `127.0.0.1:${OTLP_HTTP_PORT}`;
    return {
      name: this.name,
      description: 'Datadog Agent (logs, APM, LLM observability via OTLP)',
      image: p.image,
      entrypoint: ['/bin/entrypoint.sh'],
      args: [],
      env,
      // No auth: the APM receiver takes traces from whoever reaches it.
      ports: [{ name: 'dd-apm', containerPort: APM_PORT, hostPort: p.apmHostPort, configField: 'services.datadog.apmHostPort' }],
      publish: p.publish,
      mounts: p.containerDiscovery
        ? [
            // Mounted where the agent looks for a docker socket by default, so no DOCKER_HOST is needed.
            {
              name: 'podman-socket',
              hostPath: p.podmanSocket,
              mountPath: '/var/run/docker.sock',
              readOnly: true,
              type: 'Socket',
              configField: 'services.datadog.podmanSocket',
            },
            { name: 'host-proc', hostPath: '/proc', mountPath: '/host/proc', readOnly: true, type: 'Directory', configField: 'services.datadog' },
            {
              name: 'host-cgroup',
              hostPath: '/sys/fs/cgroup',
              mountPath: '/host/sys/fs/cgroup',
              readOnly: true,
              type: 'Directory',
              configField: 'services.datadog',
            },
          ]
        : [],
      health: { script: datadogHealthScript(p.otlpReceiver), envKeys: [], timeoutSeconds: 10 },
      // The trace-agent's receiver, what dependents use; a hung core agent alone is left to podman's own probe.
      hostProbe: { port: 'dd-apm', protocol: 'http', path: '/info' },
      dependsOn: p.dependsOn ?? [{ service: 'falkordb', optional: true }],
      // DD_API_KEY, DD_SITE, DD_HOSTNAME, ... come from the env file.
      secrets: { receives: p.secretKeys ?? DATADOG_SECRET_KEYS, envKeys: 'all', requiredKeys: ['DD_API_KEY'] },
      capabilities: keptCapabilities(DATADOG_CAPABILITIES, p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
    };
  }
}
