/**
 * In compose every service is a host on the project's network, reached by its name
 * (postgres://db:5432, REDIS_HOST=redis). The containers of a pod share one network namespace: there
 * they reach each other at 127.0.0.1. These find such references in a value and rewrite them.
 */
export const POD_HOST = '127.0.0.1';

/** Keys whose whole value is a host name (REDIS_HOST=redis, POSTGRES_SEEDS=postgresql). */
const HOST_KEY = /(HOST|HOSTNAME|HOSTS|SERVER|SERVERS|SEEDS|ADDR|ADDRESS|ENDPOINT|BROKERS?)$/i;

export interface HostRewrite {
  readonly text: string;
  /** The service names the value referred to as hosts. */
  readonly named: readonly string[];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites the hosts of `value` that are one of `hosts`: in URLs (scheme://[user@]NAME[:port][/...]),
 * as NAME:PORT items (temporal:7233, a,b lists), and the whole value when the key names a host.
 * `urlsOnly` (command words) leaves bare names alone: `postgres` there is usually a program.
 */
export function rewriteHosts(value: string, hosts: readonly string[], key = '', urlsOnly = false): HostRewrite {
  const named = new Set<string>();
  let text = value;
  for (const host of [...hosts].sort((a, b) => b.length - a.length)) {
    const h = escape(host);
    const inUrl = new RegExp(`(?<=[a-z][a-z0-9+.-]*://(?:[^\\s/@]*@)?)${h}(?!:[^\\s/@]*@)(?=[:/?#\\s'"]|$)`, 'gi');
    text = text.replace(inUrl, () => {
      named.add(host);
      return POD_HOST;
    });
    const items = text.split(',');
    const rewritten = items.map((item) => {
      const t = item.trim();
      if (new RegExp(`^${h}:\\d{1,5}$`).test(t)) {
        named.add(host);
        return item.replace(host, POD_HOST);
      }
      if (!urlsOnly && t === host && HOST_KEY.test(key)) {
        named.add(host);
        return item.replace(host, POD_HOST);
      }
      return item;
    });
    text = rewritten.join(',');
  }
  return { text, named: [...named] };
}
