/**
 * The env-file format read by the pod's launcher (runtime/envfile.sh), implemented again for
 * `doctor`. Both are tested against the same hostile inputs and must agree.
 * KEY=VALUE per line; blank and # lines skipped; optional `export `; CRLF accepted; a value wholly
 * inside matching quotes is taken literally without them; unquoted values are trimmed.
 */
export interface EnvFileResult {
  readonly values: Map<string, string>;
  /** Lines that were skipped, with the reason (no values included). */
  readonly skipped: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
}

const BLANK = /^[ \t]+|[ \t]+$/g;

/**
 * Keys the launcher skips (runtime/envfile.sh has the same list): they would change how a shell, the
 * dynamic loader or the container run, or steer the launcher itself.
 */
export const RESERVED_KEYS = [
  'IFS',
  'PATH',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'HOME',
  'SHELL',
  'SHELLOPTS',
  'BASHOPTS',
  'POSIXLY_CORRECT',
  'PS1',
  'PS2',
  'PS4',
  'OPTIND',
  'OPTARG',
  'PWD',
  'OLDPWD',
];
export const RESERVED_PREFIXES = ['LD_', 'BASH_FUNC_', 'OMP_'];

export function parseEnvFile(text: string): EnvFileResult {
  const values = new Map<string, string>();
  const skipped: Array<{ line: number; reason: string }> = [];
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = raw.replace(/\r$/, '').replace(BLANK, '');
    if (line === '' || line.startsWith('#')) return;
    if (/^export[ \t]/.test(line)) line = line.slice('export'.length).replace(BLANK, '');
    const eq = line.indexOf('=');
    if (eq === -1) {
      skipped.push({ line: i + 1, reason: "no '='" });
      return;
    }
    const key = line.slice(0, eq).replace(BLANK, '');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      skipped.push({ line: i + 1, reason: 'invalid name' });
      return;
    }
    if (/[a-z]/.test(key)) {
      skipped.push({ line: i + 1, reason: `${key} is not upper case ([A-Z_][A-Z0-9_]*)` });
      return;
    }
    if (RESERVED_KEYS.includes(key) || RESERVED_PREFIXES.some((p) => key.startsWith(p))) {
      skipped.push({ line: i + 1, reason: `${key} is reserved (it would change how the launcher or the container runs)` });
      return;
    }
    let value = line.slice(eq + 1).replace(BLANK, '');
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    values.set(key, value);
  });
  return { values, skipped };
}
