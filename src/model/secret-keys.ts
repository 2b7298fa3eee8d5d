/**
 * Which env-file keys a service's container receives: a list of key patterns. A pattern is a key
 * name or a glob where `*` stands for any run of characters (`DD_*`, `*_API_KEY`); a leading `!`
 * excludes what it matches (`!DD_*`). A key is received when an include matches it and no exclude
 * does. The same rules run on the host in split-env.sh as `case` patterns, so the characters are
 * limited to those that mean the same in both places.
 */
export const SECRET_KEY_PATTERN = /^!?[A-Z_*][A-Z0-9_*]*$/;

/** What a pattern may look like, for error messages. */
export const SECRET_KEY_PATTERN_TEXT = 'an env-file key name or a pattern with * (e.g. VALKEY_PASSWORD, DD_*, *_API_KEY), optionally after ! to exclude';

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** Whether `key` is received under `patterns`. */
export function receivesKey(patterns: readonly string[], key: string): boolean {
  let included = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(key)) return false;
    } else if (!included && globToRegExp(p).test(key)) {
      included = true;
    }
  }
  return included;
}

/** The include and exclude globs of a pattern list, without the `!`. */
export function splitPatterns(patterns: readonly string[]): { include: string[]; exclude: string[] } {
  return {
    include: patterns.filter((p) => !p.startsWith('!')),
    exclude: patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
  };
}
