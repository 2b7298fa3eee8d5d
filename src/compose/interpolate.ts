/**
 * Compose's variable interpolation (compose-spec "Interpolation"): $VAR, ${VAR}, ${VAR:-default},
 * ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}, nested in
 * defaults, and $$ for a literal $. Values come from the environment, then the .env file beside the
 * compose file (the environment wins, as in compose).
 */

/** Finds a variable's value; undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

export interface Interpolated {
  readonly text: string;
  /** Every variable the text referenced (set or not). */
  readonly variables: readonly string[];
  /** Variables that were not set and had no default: replaced by "" as compose does (it warns). */
  readonly unset: readonly string[];
}

export interface InterpolateOptions {
  /**
   * Text to put in place of a reference to this variable instead of its value (e.g. a shell reference
   * to a secret the container reads at run time); undefined: substitute the value.
   */
  readonly instead?: (name: string) => string | undefined;
}

/** Thrown for a malformed reference, or a ${VAR:?message} whose VAR is not set. */
export class InterpolationError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(raw: string, lookup: VariableLookup, options: InterpolateOptions = {}): Interpolated {
  const variables: string[] = [];
  const unset: string[] = [];
  const text = expand(raw, lookup, options, variables, unset);
  return { text, variables: [...new Set(variables)], unset: [...new Set(unset)] };
}

function expand(raw: string, lookup: VariableLookup, options: InterpolateOptions, variables: string[], unset: string[]): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const dollar = raw.indexOf('$', i);
    if (dollar < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, dollar);
    const next = raw[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(raw, dollar + 1);
      if (close < 0) throw new InterpolationError(`"${raw}": a \${ without its closing }`);
      out += braced(raw.slice(dollar + 2, close), lookup, options, variables, unset);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(raw.slice(dollar + 1))?.[0];
    if (!name) throw new InterpolationError(`"${raw}": a $ that starts no variable (write $$ for a literal $)`);
    out += substitute(name, lookup, options, variables, unset);
    i = dollar + 1 + name.length;
  }
  return out;
}

/** The index of the } that closes the { at `open`, counting nested ${...}. */
function matchingBrace(raw: string, open: number): number {
  let depth = 0;
  for (let j = open; j < raw.length; j++) {
    if (raw[j] === '{') depth++;
    else if (raw[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

function braced(body: string, lookup: VariableLookup, options: InterpolateOptions, variables: string[], unset: string[]): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new InterpolationError(`"\${${body}}": not a variable name`);
  const rest = body.slice(name.length);
  if (rest === '') return substitute(name, lookup, options, variables, unset);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new InterpolationError(`"\${${body}}": after the name only :-, -, :?, ?, :+ or + may follow`);
  const arg = rest.slice(op.length);
  variables.push(name);
  const instead = options.instead?.(name);
  if (instead !== undefined) return instead;
  const value = lookup(name);
  // The colon forms treat an empty value like an unset one.
  const missing = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  switch (op.replace(':', '')) {
    case '-':
      return missing ? expand(arg, lookup, options, variables, unset) : value!;
    case '?':
      if (missing) throw new InterpolationError(`required variable ${name} is not set${arg ? `: ${expand(arg, lookup, options, [], [])}` : ''}`);
      return value!;
    default:
      return missing ? '' : expand(arg, lookup, options, variables, unset);
  }
}

function substitute(name: string, lookup: VariableLookup, options: InterpolateOptions, variables: string[], unset: string[]): string {
  variables.push(name);
  const instead = options.instead?.(name);
  if (instead !== undefined) return instead;
  const value = lookup(name);
  if (value === undefined) unset.push(name);
  return value ?? '';
}

/** The names a text references, without evaluating anything (for values that are never written). */
export function referencedVariables(raw: string): string[] {
  try {
    return [...interpolate(raw, () => undefined, { instead: () => '' }).variables];
  } catch {
    return [];
  }
}
