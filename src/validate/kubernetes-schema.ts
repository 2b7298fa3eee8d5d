import type { ErrorObject, ValidateFunction } from 'ajv/dist/2019';
import { FieldPath, findingAt, ManifestFinding } from './finding';
import { ManifestDocument } from './manifest-input';
import { kindValidator } from './schema-compile';
import { SCHEMAS, SchemaVersion } from './schemas';

export type { SchemaVersion } from './schemas';
export const SCHEMA_VERSIONS = Object.keys(SCHEMAS) as SchemaVersion[];
export const DEFAULT_SCHEMA_VERSION: SchemaVersion = '1.28';

/** The schema for a cluster of Kubernetes 1.<minor>: the newest one not newer than it. */
export function schemaForKubernetes(minor: number): SchemaVersion {
  return [...SCHEMA_VERSIONS].reverse().find((v) => Number(v.split('.')[1]) <= minor) ?? DEFAULT_SCHEMA_VERSION;
}

type JsonSchema = { properties?: Record<string, unknown>; allOf?: Array<{ $ref?: string }>; $ref?: string };
const definitionsOf = (v: SchemaVersion) => SCHEMAS[v].definitions as Record<string, JsonSchema>;
const kindsOf = (v: SchemaVersion) => SCHEMAS[v].kinds as Record<string, JsonSchema>;

/** Kinds the schemas know (the same in each). */
export const SCHEMA_KINDS = Object.keys(kindsOf(DEFAULT_SCHEMA_VERSION));

const validators = new Map<string, ValidateFunction>();

function validatorFor(kind: string, version: SchemaVersion): ValidateFunction {
  let fn = validators.get(`${version} ${kind}`);
  if (!fn) validators.set(`${version} ${kind}`, (fn = kindValidator(kind, version)));
  return fn;
}

/**
 * Layer 1: the document against a strict Kubernetes schema (1.28 unless said otherwise). Podman parses manifests
 * leniently and drops what it does not know, so an unknown field is a setting that silently has
 * no effect; a wrong type or a missing required field makes kube play (or the API server) fail.
 */
export function schemaFindings(doc: ManifestDocument, version: SchemaVersion = DEFAULT_SCHEMA_VERSION): ManifestFinding[] {
  const validate = validatorFor(doc.kind, version);
  if (validate(doc.object)) return [];
  const seen = new Set<string>();
  const findings: ManifestFinding[] = [];
  for (const error of validate.errors ?? []) {
    const f = toFinding(doc, error, version);
    if (!f) continue;
    const key = `${f.rule} ${f.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(f);
  }
  return findings;
}

function toFinding(doc: ManifestDocument, error: ErrorObject, version: SchemaVersion): ManifestFinding | undefined {
  const at = pointerToPath(error.instancePath);
  const finding = (path: FieldPath, rule: string, message: string, fix?: string): ManifestFinding =>
    findingAt(doc, path, { rule, severity: 'error', message, fix, versions: `Kubernetes ${version} schema` });
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const field = String(error.params.additionalProperty ?? error.params.unevaluatedProperty);
      const known = knownFields(error.parentSchema as JsonSchema, at.length === 0 ? doc.kind : undefined, version);
      const guess = closest(field, known);
      return finding(
        [...at, field],
        'schema/unknown-field',
        `unknown field "${field}": podman and Kubernetes ignore it, so this setting has no effect`,
        guess ? `did you mean "${guess}"?` : `known fields here: ${known.join(', ')}`,
      );
    }
    case 'required':
      return finding([...at, String(error.params.missingProperty)], 'schema/required', `required field "${error.params.missingProperty}" is missing`);
    case 'type':
      return finding(at, 'schema/type', `${describe(error.data)} where ${String(error.params.type).replace(',', ' or ')} is expected`);
    case 'const':
      return finding(at, 'schema/value', `${describe(error.data)}; ${doc.kind} needs ${JSON.stringify(error.params.allowedValue)}`);
    default:
      return finding(at, `schema/${error.keyword}`, error.message ?? 'does not match the schema');
  }
}

function knownFields(parent: JsonSchema | undefined, rootKind: string | undefined, version: SchemaVersion): string[] {
  if (rootKind) {
    const wrapper = kindsOf(version)[rootKind];
    const props = definitionsOf(version)[wrapper.allOf![0].$ref!.split('/').pop()!];
    return [...Object.keys(wrapper.properties ?? {}), ...Object.keys(props.properties ?? {})].filter((k) => k !== 'status').sort();
  }
  return Object.keys(parent?.properties ?? {}).sort();
}

/** The known field nearest to a typo (edit distance at most 2, or differing only in case). */
function closest(field: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === field.toLowerCase() ? 0 : distance(field, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

function pointerToPath(pointer: string): FieldPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
