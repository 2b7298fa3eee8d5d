/**
 * Compose `ports` entries, short ("127.0.0.1:8080:80/tcp", "8080:80", "80") and long
 * ({ target, published, host_ip, protocol, name, mode, app_protocol }), read into one form.
 */
export interface ComposePort {
  readonly target: number;
  readonly published?: number;
  /** As written; '' or absent: compose publishes on every interface. */
  readonly hostIP?: string;
  readonly protocol: string;
  readonly name?: string;
  /** Long-form keys that have no meaning in the pod (mode, app_protocol), for the report. */
  readonly unused: readonly string[];
}

export type PortReading = { readonly port: ComposePort } | { readonly problem: string } | { readonly refused: string };

const PORT_TEXT = 'a port from 1 to 65535';
const RANGE = /^\d+-\d+$/;

export function readPort(entry: unknown): PortReading {
  if (typeof entry === 'number') return single(String(entry), undefined, undefined, 'tcp');
  if (typeof entry === 'string') return readShort(entry);
  if (entry && typeof entry === 'object' && !Array.isArray(entry)) return readLong(entry as Record<string, unknown>);
  return { problem: 'must be a string such as "127.0.0.1:8080:80" or a mapping with target' };
}

function readShort(text: string): PortReading {
  let spec = text.trim();
  let protocol = 'tcp';
  const slash = spec.lastIndexOf('/');
  if (slash >= 0) {
    protocol = spec.slice(slash + 1);
    spec = spec.slice(0, slash);
  }
  // An IPv6 host address is written in brackets: [::1]:8080:80.
  let ip: string | undefined;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
  if (v6) {
    ip = v6[1];
    spec = v6[2];
  }
  const parts = spec.split(':');
  if (!v6 && parts.length === 3) ip = parts.shift();
  if (parts.length > 2 || (v6 && parts.length !== 2)) return { problem: 'must be [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]' };
  const [host, container] = parts.length === 2 ? parts : [undefined, parts[0]];
  return single(container, host === '' ? undefined : host, ip, protocol);
}

function single(container: string, host: string | undefined, ip: string | undefined, protocol: string): PortReading {
  if (RANGE.test(container) || (host !== undefined && RANGE.test(host))) {
    return { refused: 'a port range: the configuration lists ports one by one (write one entry per port)' };
  }
  const target = portNumber(container);
  if (target === undefined) return { problem: `the container port must be ${PORT_TEXT}` };
  const published = host === undefined ? undefined : portNumber(host);
  if (host !== undefined && published === undefined) return { problem: `the host port must be ${PORT_TEXT}` };
  return checkProtocol({ target, published, hostIP: ip, protocol, unused: [] });
}

function readLong(entry: Record<string, unknown>): PortReading {
  const target = portNumber(entry.target);
  if (target === undefined) return { problem: `target must be ${PORT_TEXT}` };
  let published: number | undefined;
  if (entry.published !== undefined && entry.published !== null && entry.published !== '') {
    if (RANGE.test(String(entry.published))) return { refused: 'a port range: the configuration lists ports one by one (write one entry per port)' };
    published = portNumber(entry.published);
    if (published === undefined) return { problem: `published must be ${PORT_TEXT}` };
  }
  const unused = Object.keys(entry).filter((k) => !['target', 'published', 'host_ip', 'protocol', 'name'].includes(k));
  const hostIP = typeof entry.host_ip === 'string' ? entry.host_ip : undefined;
  const name = typeof entry.name === 'string' ? entry.name : undefined;
  return checkProtocol({ target, published, hostIP, protocol: typeof entry.protocol === 'string' ? entry.protocol : 'tcp', name, unused });
}

function checkProtocol(port: ComposePort): PortReading {
  const protocol = port.protocol.toLowerCase();
  if (protocol !== 'tcp') return { refused: `protocol ${protocol}: the configuration's ports are TCP (health checks and the watchdog speak TCP)` };
  return { port };
}

function portNumber(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The configuration takes IPv4 host addresses only (schema.ts bindAddress). */
export function isIPv4(address: string): boolean {
  return IPV4.test(address);
}
