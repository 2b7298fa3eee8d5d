/**
 * Compose's env files (.env beside the compose file, and env_file): KEY=VALUE lines, # comments,
 * an optional `export `, values in single quotes taken literally, in double quotes with \n \t \\ \"
 * escapes, unquoted values trimmed and cut at " #". Values are returned for interpolation and
 * comparison only: the importer never writes a value it read from an env file.
 */
export interface DotenvLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export function parseDotenv(text: string): { lines: DotenvLine[]; bad: number[] } {
  const lines: DotenvLine[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((rawLine, i) => {
    let line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^export\s/.test(line)) line = line.slice(6).trim();
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*(=(.*))?$/.exec(line);
    if (!m) {
      bad.push(i + 1);
      return;
    }
    // A bare KEY takes its value from the environment in compose; here it is a key with no value.
    lines.push({ key: m[1], value: m[2] === undefined ? '' : unquote(m[3].trim()), line: i + 1 });
  });
  return { lines, bad };
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([nt"\\])/g, (_m, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\' })[c]!);
  }
  const comment = value.search(/\s#/);
  return (comment < 0 ? value : value.slice(0, comment)).trim();
}
