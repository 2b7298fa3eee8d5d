/**
 * `systemd-escape STRING` (not --path): "/" becomes "-", and every byte other than ASCII letters,
 * digits, ":", "_" and a non-leading "." becomes \xNN. podman-kube@ instances are named this way:
 * /etc/opencode-memory-pod/pod.yaml -> -etc-opencode\x2dmemory\x2dpod-pod.yaml
 */
export function systemdEscape(text: string): string {
  let out = '';
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c = String.fromCharCode(b);
    if (c === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) out += c;
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}
