/**
 * Compose `volumes` entries of a service, short ("./data:/data:ro", "db:/var/lib/x", "/cache") and
 * long ({ type, source, target, read_only, bind, volume, tmpfs }), read into one form.
 */
export interface ComposeVolume {
  readonly type: 'bind' | 'volume' | 'anonymous' | 'tmpfs' | 'other';
  /** The host path as written (bind), or the volume's name (volume). */
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** Options and long-form keys beyond source, target and read-only, for the report. */
  readonly options: readonly string[];
  /** For type other: what it was. */
  readonly what?: string;
}

export type VolumeReading = { readonly volume: ComposeVolume } | { readonly problem: string };

/** A compose source is a host path when it starts with . / or ~, else it names a volume. */
export function isPathSource(source: string): boolean {
  return /^[./~]/.test(source);
}

export function readVolume(entry: unknown): VolumeReading {
  if (typeof entry === 'string') return readShort(entry);
  if (entry && typeof entry === 'object' && !Array.isArray(entry)) return readLong(entry as Record<string, unknown>);
  return { problem: 'must be a string such as "./data:/data:ro" or a mapping with type, source and target' };
}

function readShort(text: string): VolumeReading {
  const parts = text.split(':');
  if (parts.length === 1) {
    if (!parts[0].startsWith('/')) return { problem: 'a volume with only a container path must name an absolute path' };
    return { volume: { type: 'anonymous', target: parts[0], readOnly: false, options: [] } };
  }
  if (parts.length > 3 || parts.some((p, i) => p === '' && i < 2)) return { problem: 'must be SOURCE:TARGET[:OPTIONS] with no empty part' };
  const [source, target, opts = ''] = parts;
  if (!target.startsWith('/')) return { problem: `the container path "${target}" must be absolute` };
  const options = opts === '' ? [] : opts.split(',');
  const readOnly = options.includes('ro');
  return {
    volume: {
      type: isPathSource(source) ? 'bind' : 'volume',
      source,
      target,
      readOnly,
      options: options.filter((o) => o !== 'ro' && o !== 'rw'),
    },
  };
}

function readLong(entry: Record<string, unknown>): VolumeReading {
  const type = entry.type;
  const target = entry.target;
  if (typeof target !== 'string' || !target.startsWith('/')) return { problem: 'target must be an absolute container path' };
  const readOnly = entry.read_only === true;
  const options: string[] = [];
  for (const [k, v] of Object.entries(entry)) {
    if (['type', 'source', 'target', 'read_only'].includes(k)) continue;
    if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) options.push(`${k}.${k2}: ${JSON.stringify(v2)}`);
    else options.push(`${k}: ${JSON.stringify(v)}`);
  }
  const source = typeof entry.source === 'string' && entry.source !== '' ? entry.source : undefined;
  if (type === 'bind') {
    if (!source) return { problem: 'a bind mount needs source (the host path)' };
    return { volume: { type: 'bind', source, target, readOnly, options } };
  }
  if (type === 'volume' || type === undefined) {
    return { volume: { type: source ? 'volume' : 'anonymous', source, target, readOnly, options } };
  }
  if (type === 'tmpfs') return { volume: { type: 'tmpfs', target, readOnly, options } };
  return { volume: { type: 'other', what: String(type), source, target, readOnly, options } };
}
