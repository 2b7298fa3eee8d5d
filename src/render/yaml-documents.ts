import * as yaml from 'js-yaml';

/** Keys a reader looks for first; the rest follow alphabetically (cdk8s emits them sorted). */
const FIRST = [
  'apiVersion',
  'kind',
  'metadata',
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'env',
  'envFrom',
  'ports',
  'volumeMounts',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'resources',
  'restartPolicy',
  'initContainers',
  'containers',
  'volumes',
];

function rank(key: string): number {
  const i = FIRST.indexOf(key);
  return i === -1 ? FIRST.length : i;
}

function readableOrder(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Multi-document YAML with a leading comment block; block scalars keep the scripts readable. */
export function yamlDocuments(header: string[], documents: readonly unknown[]): string {
  const comment = header.map((line) => (line ? `# ${line}` : '#')).join('\n');
  const body = documents.map((doc) => yaml.dump(doc, { noRefs: true, lineWidth: -1, sortKeys: readableOrder })).join('---\n');
  return `${comment}\n---\n${body}`;
}
