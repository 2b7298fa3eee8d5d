import { ConfigProblem } from '../lib/config-error';
import { PortSpec, ServiceSpec } from './service';

/*
 * Who can reach a service's published ports, and on what terms. A port on loopback (127.0.0.0/8)
 * is this host's alone; beyond it (0.0.0.0, a LAN or Tailscale address) only a service that
 * requires its password may be published, unless the user says exposeUnauthenticated. Valkey and
 * FalkorDB ask for no password unless the env file sets one, the Datadog APM receiver and the
 * Graphiti MCP endpoint never do.
 */

/** 127.0.0.0/8: reachable only from this host. */
export function isLoopback(address: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(address);
}

/** How a published port is kept from strangers. */
export type Exposure =
  /** Published on loopback: only this host's users and programs reach it. */
  | 'loopback'
  /** Beyond loopback, behind a password the service refuses to start without. */
  | 'password'
  /** Beyond loopback without any password (exposeUnauthenticated). */
  | 'unauthenticated'
  /** Beyond loopback, neither: synth refuses it. */
  | 'refused';

/** One port a service publishes on the host. */
export interface PublishedPort {
  readonly service: string;
  readonly port: PortSpec & { readonly hostPort: number };
  /** Host address (hostIP). */
  readonly address: string;
  /** Configuration field that sets the address. */
  readonly addressField: string;
  readonly exposure: Exposure;
}

/** The host address of a service's published ports: its own, else the pod-wide bindAddress. */
export function hostAddress(spec: ServiceSpec, podBindAddress: string): string {
  return spec.publish?.address ?? podBindAddress;
}

/** Every published port of the pod, with who can reach it. */
export function publishedPorts(specs: readonly ServiceSpec[], podBindAddress: string): PublishedPort[] {
  return specs.flatMap((spec) =>
    spec.ports
      .filter((p): p is PortSpec & { hostPort: number } => p.hostPort !== undefined)
      .map((port) => {
        const address = hostAddress(spec, podBindAddress);
        const exposure: Exposure = isLoopback(address)
          ? 'loopback'
          : port.auth?.required
            ? 'password'
            : spec.publish?.exposeUnauthenticated
              ? 'unauthenticated'
              : 'refused';
        return { service: spec.name, port, address, addressField: spec.publish?.addressField ?? 'bindAddress', exposure };
      }),
  );
}

/** A store published beyond loopback without its password required and without the override: one problem per service. */
export function exposureProblems(specs: readonly ServiceSpec[], podBindAddress: string): ConfigProblem[] {
  const refused = publishedPorts(specs, podBindAddress).filter((p) => p.exposure === 'refused');
  return specs.flatMap((spec) => {
    const ports = refused.filter((p) => p.service === spec.name);
    if (!ports.length) return [];
    const { address, addressField } = ports[0];
    const list = ports.map((p) => `${p.port.name} ${p.port.hostPort}`).join(', ');
    const exposeField = spec.publish?.exposeField ?? `services.${spec.name}.exposeUnauthenticated`;
    const auth = ports.find((p) => p.port.auth)?.port.auth;
    const how = auth
      ? `${spec.name} asks for no password unless the env file sets ${auth.passwordKey}: set ${auth.requiredField ?? 'its password'}: true (it then refuses to start without one) to publish ${list} beyond loopback`
      : `${spec.name} asks for no password at all (${list}): keep it on loopback`;
    return [
      {
        field: addressField,
        value: address,
        allowed: `must be a loopback address (127.0.0.1) for ${spec.name}; ${how}, or set ${exposeField}: true to let anyone who reaches ${address} use it`,
        comparedWith: auth?.requiredField ? [auth.requiredField, exposeField] : [exposeField],
      },
    ];
  });
}

/** One line of what synth and doctor say about a published port; `warning` for one without a password beyond loopback. */
export interface ExposureLine {
  readonly text: string;
  readonly warning: boolean;
}

/** What synth and doctor say about each published port, one line each, in start order. */
export function exposureLines(specs: readonly ServiceSpec[], podBindAddress: string): ExposureLine[] {
  const ports = publishedPorts(specs, podBindAddress);
  const width = Math.max(0, ...ports.map((p) => p.service.length));
  const whereWidth = Math.max(0, ...ports.map((p) => `${p.address}:${p.port.hostPort}`.length));
  return ports.map((p) => {
    const where = `${p.service.padEnd(width)}  ${`${p.address}:${p.port.hostPort}`.padEnd(whereWidth)}`;
    switch (p.exposure) {
      case 'loopback':
        return { text: `${where}  this host only (loopback)`, warning: false };
      case 'password':
        return { text: `${where}  beyond loopback; requires ${p.port.auth!.passwordKey}`, warning: false };
      default:
        return {
          text: `${where}  WARNING: beyond loopback WITHOUT a password, anyone who reaches ${p.address} can use it (services.${p.service}.exposeUnauthenticated)`,
          warning: true,
        };
    }
  });
}
