import Ajv2019, { Options, ValidateFunction } from 'ajv/dist/2019';
import { SCHEMAS, SchemaVersion } from './schemas';

/**
 * strict: false because the schema is generated, not hand-written; verbose gives the failing
 * sub-schema, from which "did you mean" suggestions are taken; optimize: false compiles the Pod
 * validator in ~70 ms instead of ~200 ms (manifests are small).
 */
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true, code: { optimize: false } } satisfies Options;

/** What a kind's validator is compiled from: its entry in the strict schema, which ajv knows as `k8s`. */
export const kindSchema = (kind: string) => ({ $ref: `k8s#/kinds/${kind}` });

/** An ajv that knows one strict schema as `k8s`. */
export function schemaAjv(version: SchemaVersion, options: Options = AJV_OPTIONS): Ajv2019 {
  return new Ajv2019(options).addSchema(SCHEMAS[version], 'k8s');
}

const ajvs = new Map<SchemaVersion, Ajv2019>();

/**
 * The validator of one kind, compiled by ajv when first asked for. The bundles do not use this
 * file: tools/bundle.ts puts in its place the same validators compiled ahead of time (ajv's
 * standalone code, tools/precompile-schemas.ts), because compiling the Pod's took ~120 ms of
 * every validate run.
 */
export function kindValidator(kind: string, version: SchemaVersion): ValidateFunction {
  let ajv = ajvs.get(version);
  if (!ajv) ajvs.set(version, (ajv = schemaAjv(version)));
  return ajv.compile(kindSchema(kind));
}
