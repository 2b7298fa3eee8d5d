/** Bytes in a Kubernetes binary memory quantity such as `3Gi` (schema-validated before). */
export function quantityBytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const power = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 }[m[2] as 'Ki' | 'Mi' | 'Gi' | 'Ti'];
  return Number(m[1]) * 1024 ** power;
}

/** Bytes in a Valkey size such as `2gb` (Valkey: kb/mb/gb are powers of 1024). */
export function valkeyBytes(size: string): number {
  const m = /^(\d+)(kb|mb|gb)$/.exec(size);
  if (!m) throw new Error(`not a Valkey size: ${size}`);
  const power = { kb: 1, mb: 2, gb: 3 }[m[2] as 'kb' | 'mb' | 'gb'];
  return Number(m[1]) * 1024 ** power;
}
