import { Document, isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { DECLARED_FIELDS, DeclaredService } from './declared-service';
import { ImportedCompose } from './import-compose';

/** Lists whose text is at most this long are written on one line ([a, b]); longer ones one item a line. */
const FLOW_WIDTH = 160;

/**
 * The configuration file an import writes: the declared services under `services:`, each field in
 * one fixed order (DECLARED_FIELDS), with a comment where the user must look (TODO) or where the
 * mapping changed a meaning. Secrets appear only as key names (secretKeys).
 */
export function configYaml(imported: ImportedCompose, source: string, envFile = '/run/secrets/opencode.env'): string {
  const services: Record<string, DeclaredService> = {};
  for (const [name, s] of Object.entries(imported.services)) {
    const ordered: Record<string, unknown> = {};
    for (const field of DECLARED_FIELDS) if (s[field] !== undefined) ordered[field] = s[field];
    services[name] = ordered as DeclaredService;
  }
  const doc = new Document({ services });
  const todos = Object.values(imported.comments).reduce(
    (n, c) =>
      n +
      Object.values(c)
        .flat()
        .filter((t) => t.startsWith('TODO')).length,
    0,
  );
  doc.commentBefore = [
    ` Imported from ${source} by \`opencode-memory-pod import compose\`; the import's report lists every`,
    ' compose key not carried over as it was, and why.',
    ` The values of secretKeys are not in this file: set each key in the env file (envFile, default ${envFile}).`,
    todos ? ` ${todos} TODO${todos > 1 ? 's' : ''} below need you before synth accepts the file.` : undefined,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
  const servicesNode = doc.get('services') as YAMLMap;
  for (const pair of servicesNode.items as Pair<Scalar, YAMLMap>[]) {
    const name = String(pair.key.value);
    const comments = imported.comments[name] ?? {};
    const fields = pair.value as YAMLMap;
    for (const item of fields.items as Pair<Scalar, unknown>[]) {
      const field = String(item.key.value);
      const lines = comments[field];
      if (lines?.length) item.key.commentBefore = lines.map((l) => ` ${l}`).join('\n');
      styleLists(item.value, field);
    }
    // A comment about a field that is not written (command, when the image's is not known) goes
    // above the field that would follow it, or below the service's last field.
    for (const [field, lines] of Object.entries(comments)) {
      if (!lines.length || fields.items.some((i) => String((i.key as Scalar).value) === field)) continue;
      const text = lines.map((l) => ` ${l}`).join('\n');
      const order = DECLARED_FIELDS.indexOf(field as keyof DeclaredService);
      const next = fields.items.find((i) => DECLARED_FIELDS.indexOf(String((i.key as Scalar).value) as keyof DeclaredService) > order);
      if (next) {
        const key = next.key as Scalar;
        key.commentBefore = key.commentBefore ? `${text}\n${key.commentBefore}` : text;
      } else {
        fields.comment = fields.comment ? `${fields.comment}\n${text}` : text;
      }
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** Short lists and the small maps of ports, mounts and http on one line each, as the README writes them. */
function styleLists(node: unknown, field: string): void {
  if (isSeq(node)) {
    const seq = node as YAMLSeq;
    if (seq.items.every((i) => isScalar(i)) && JSON.stringify(seq.toJSON()).length <= FLOW_WIDTH) seq.flow = true;
    for (const item of seq.items) if (isMap(item) && (field === 'ports' || field === 'mounts')) (item as YAMLMap).flow = true;
    for (const item of seq.items) styleLists(item, field);
  } else if (isMap(node)) {
    for (const pair of (node as YAMLMap).items) styleLists(pair.value, String((pair.key as Scalar).value));
  }
}
