import { existsSync, readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import type { core } from 'zod/mini';
import { ConfigError, ConfigProblem } from '../lib/config-error';
import { mergeMissingFields, standIn } from './declared-hints';
import { DEFAULT_CONFIG_FILE } from './default-file';
import { Config, configSchema } from './schema';

/** The file a command reads: the one named, else ./opencode-memory-pod.yaml if present, else none (built-in defaults). */
export function configPathOrDefault(named?: string): string | undefined {
  return named ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
}

/**
 * Reads and validates a YAML configuration file. No path means the built-in defaults.
 * Throws ConfigError naming every bad field, its value and what is allowed.
 */
export function loadConfigFile(path?: string): Config {
  return parseConfig(readConfigFile(path), path ?? 'built-in defaults');
}

/**
 * Reads a YAML configuration file as data, not yet checked (undefined: no path, or an empty file).
 * Throws ConfigError when the file cannot be read or is not YAML.
 */
export function readConfigFile(path?: string): unknown {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ field: '', value: path, allowed: `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? e})` }], path);
  }
  try {
    return yaml.load(text, { filename: path, schema: yaml.CORE_SCHEMA }) ?? undefined;
  } catch (e) {
    throw new ConfigError([{ field: '', value: undefined, allowed: `the file is not valid YAML: ${(e as Error).message.split('\n')[0]}` }], path);
  }
}

/** Validates an already parsed configuration object (undefined = all defaults). */
export function parseConfig(data: unknown, source?: string): Config {
  const { problems, config } = checkSchema(data);
  if (problems.length) throw new ConfigError(problems, source);
  return config!;
}

/** What the schema says of a configuration: every problem, and a configuration to go on with. */
export interface SchemaCheck {
  readonly problems: readonly ConfigProblem[];
  /**
   * The configuration, every field the schema refused set back to its default (all of it when
   * there is no problem); undefined when that makes no valid configuration either.
   */
  readonly config: Config | undefined;
  /** The fields the schema refused (dotted paths, an array as a whole). */
  readonly refused: readonly string[];
}

/**
 * Checks a configuration object against the schema without stopping at its problems: with a
 * default in place of each refused value, the constructs can still judge the rest, so that every
 * problem of the file is reported at once.
 */
export function checkSchema(data: unknown): SchemaCheck {
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    return { problems: [{ field: '', value: data, allowed: 'the configuration must be a YAML mapping (key: value)' }], config: undefined, refused: [''] };
  }
  const result = configSchema.safeParse(data);
  if (result.success) return { problems: [], config: result.data, refused: [] };
  const problems = mergeMissingFields(
    result.error.issues.flatMap((issue) => describeIssue(issue, data)),
    data,
  );
  // Take the refused values out and parse again, so that the defaults stand in for them; a second
  // round catches what a removal uncovered (none known, but a refinement may depend on a sibling).
  const rest: unknown = structuredClone(data);
  let issues = result.error.issues;
  const refused: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const path of issues.flatMap(refusedPaths)) {
      if (!path.length) return { problems, config: undefined, refused: [''] };
      refused.push(path.join('.'));
      const stand = standIn(path);
      if (stand === undefined) removeAt(rest, path);
      else setAt(rest, path, structuredClone(stand));
    }
    const again = configSchema.safeParse(rest);
    if (again.success) return { problems, config: again.data, refused };
    issues = again.error.issues;
  }
  return { problems, config: undefined, refused };
}

/** The values an issue refuses: an unknown key, else the field, an array as a whole (its default stands in). */
function refusedPaths(issue: core.$ZodIssue): PropertyKey[][] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => [...issue.path, key]);
  const index = issue.path.findIndex((key) => typeof key === 'number');
  return [index < 0 ? [...issue.path] : issue.path.slice(0, index)];
}

function removeAt(data: unknown, path: readonly PropertyKey[]): void {
  const parent = valueAt(data, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
}

function setAt(data: unknown, path: readonly PropertyKey[], value: unknown): void {
  const parent = valueAt(data, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Record<PropertyKey, unknown>)[path[path.length - 1]] = value;
}

function describeIssue(issue: core.$ZodIssue, data: unknown): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: [...issue.path, key].join('.'),
      value: valueAt(data, [...issue.path, key]),
      allowed: `unknown field; allowed here: ${allowedKeys(issue.path).join(', ')}`,
    }));
  }
  let allowed = issue.message;
  if (issue.code === 'invalid_type') allowed = `must be ${issue.expected}`;
  if (issue.code === 'invalid_value') allowed = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return [{ field: issue.path.join('.'), value: valueAt(data, issue.path), allowed }];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** The field names the schema allows at `path` (every level is an object, wrapped in defaults). */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let node: core.$ZodType | undefined = configSchema;
  for (const key of [...path, undefined]) {
    // Unwrap prefault/default/optional (and a pipe's input) until the object schema itself.
    for (;;) {
      const def = node?._zod.def;
      if (!def || def.type === 'object') break;
      if ('innerType' in def) node = def.innerType as core.$ZodType;
      else if (def.type === 'pipe') node = (def as core.$ZodPipeDef).in;
      else break;
    }
    const def = node?._zod.def.type === 'object' ? (node._zod.def as core.$ZodObjectDef) : undefined;
    if (!def) return [];
    if (key === undefined) return Object.keys(def.shape);
    // A key the shape does not have is the catchall's (services: a declared service).
    node = (def.shape[String(key)] ?? def.catchall) as core.$ZodType | undefined;
  }
  return [];
}
