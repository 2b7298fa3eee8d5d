import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { cache } from './example-pod';
import { podmanRule } from './registry';

/**
 * Images that serve their data to whoever connects unless a password is set (Redis protocol) or
 * at all (the Datadog APM receiver, the Graphiti MCP endpoint), by repository path.
 */
interface Store {
  readonly path: RegExp;
  readonly what: string;
  /** Whether a password can be required of it. */
  readonly password: boolean;
}
const STORES: readonly Store[] = [
  { path: /^(valkey|bitnami)\/valkey$/, what: 'Valkey asks for no password unless one is set', password: true },
  {
    path: /^(library\/redis|redis\/redis-stack(-server)?|bitnami\/redis)$/,
    what: 'Redis asks for no password unless one is set',
    password: true,
  },
  {
    path: /^falkordb\/falkordb(-server)?$/,
    what: 'FalkorDB (and its browser) asks for no password unless one is set',
    password: true,
  },
  { path: /^datadog(hq)?\/agent$/, what: "the Datadog Agent's receivers take data from anyone", password: false },
  {
    path: /^zepai\/knowledge-graph-mcp$/,
    what: 'the Graphiti MCP server reads and writes the graph for anyone',
    password: false,
  },
];

/** The repository path of an image (no registry, tag or digest); library/ for one-component names. */
function repositoryPath(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = first !== '' && (/[.:]/.test(first) || first === 'localhost');
  const rest = (hasRegistry ? image.slice(slash + 1) : image).replace(/@.*$/, '').replace(/:[^/]*$/, '');
  return rest.includes('/') ? rest : `library/${rest}`;
}

/** 127.0.0.0/8 (a hostIP that keeps the port on this host). */
const LOOPBACK = /^127\.\d+\.\d+\.\d+$/;

export default podmanRule({
  id: 'store-beyond-loopback',
  severity: 'warning',
  podman: {},
  title: 'a store without a password published beyond loopback',
  doc:
    'Valkey, Redis and FalkorDB answer anyone who connects unless a password is set; the Datadog ' +
    "Agent's APM receiver and the Graphiti MCP endpoint have none at all. A hostPort with a hostIP " +
    'other than 127.x (or none: every interface) lets every machine that reaches the address read and write them.',
  fix:
    'hostIP: 127.0.0.1, or require a password ' + '(requirepass; opencode-memory-pod: services.<name>.requirePassword)',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string') return undefined;
      const store = STORES.find((s) => s.path.test(repositoryPath(image)));
      if (!store) return undefined;
      // A password the server is made to require: our launcher's flag, or redis-server's own.
      const argv = [c.container.command, c.container.args].flatMap((l) => (Array.isArray(l) ? l.map(String) : []));
      const required = argv.some((a) => a === '--require-password' || /^(--)?requirepass\b/.test(a));
      if (store.password && required) return undefined;
      return asList(c.container.ports).flatMap((p, i) =>
        p.hostPort !== undefined && !LOOPBACK.test(String(p.hostIP ?? ''))
          ? [
              {
                path: [...c.path, 'ports', i],
                message:
                  `host port ${p.hostPort} of "${c.name}" is published ` +
                  `on ${p.hostIP || 'every interface (0.0.0.0)'}: ` +
                  `${store.what}, so every machine that reaches it can read and write its data`,
              },
            ]
          : [],
      );
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          cache(d).ports[0].hostIP = '0.0.0.0';
        },
        path: 'spec.containers[1].ports[0]',
      },
    ],
    // The same address, with the password required.
    nearMiss: [
      (d) => {
        cache(d).ports[0].hostIP = '0.0.0.0';
        cache(d).args = ['--requirepass', 'from-a-file-in-real-life'];
      },
    ],
  },
});
