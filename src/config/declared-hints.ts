import type { ConfigProblem } from '../lib/config-error';
import { suggest } from '../model/dependency-problems';
import { BUILT_IN_SERVICES, DECLARED_REQUIRED, DECLARED_STAND_INS } from './declared-schema';

/*
 * How the schema's problems with declared services read. Every key of `services` that is not a
 * built-in is a declared service, so a misspelt built-in (`services.valky`) is one too, and lacks
 * what every declared service needs: say that once, with the built-ins' names, rather than once
 * per missing field.
 */

const REQUIRED_FIELD = new RegExp(`^services\\.([^.]+)\\.(${DECLARED_REQUIRED.join('|')})$`);

function declaredName(field: string): string | undefined {
  const m = REQUIRED_FIELD.exec(field);
  return m && !(BUILT_IN_SERVICES as readonly string[]).includes(m[1]) ? m[1] : undefined;
}

/** The schema's problems, the missing required fields of each declared service merged into one. */
export function mergeMissingFields(problems: readonly ConfigProblem[], data: unknown): ConfigProblem[] {
  const missing = new Map<string, string[]>();
  for (const p of problems) {
    const name = p.value === undefined ? declaredName(p.field) : undefined;
    if (name) missing.set(name, [...(missing.get(name) ?? []), p.field.split('.').pop()!]);
  }
  const out: ConfigProblem[] = [];
  for (const p of problems) {
    const name = p.value === undefined ? declaredName(p.field) : undefined;
    if (!name) {
      out.push(p);
      continue;
    }
    const fields = missing.get(name);
    if (!fields) continue;
    missing.delete(name);
    out.push({
      field: `services.${name}`,
      value: (data as { services?: Record<string, unknown> } | undefined)?.services?.[name],
      allowed:
        `a declared service needs ${DECLARED_REQUIRED.join(', ')} (missing: ${fields.join(', ')}); ` +
        `built-in services are ${BUILT_IN_SERVICES.join(', ')}${suggest(name, BUILT_IN_SERVICES)}`,
    });
  }
  return out;
}

/**
 * What stands in for a refused field that has no default (a declared service's image, command or
 * health), so that the constructs can still judge the rest of that service; undefined: remove it.
 */
export function standIn(path: readonly PropertyKey[]): unknown {
  if (path.length !== 3 || path[0] !== 'services' || (BUILT_IN_SERVICES as readonly PropertyKey[]).includes(path[1])) return undefined;
  return DECLARED_STAND_INS[String(path[2])];
}
