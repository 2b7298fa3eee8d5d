import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { runImagePull } from '../src/cli/image';
import { runSynth } from '../src/cli/synth';
import { loadConfigFile } from '../src/config/load';
import { pinnedReference, PodmanRun, RECORD_MARKER, RecordError } from '../src/image/image-digests';
import { tempDir } from './helpers';

// Issue 24, "pinned for real": synth's warning for a moving tag, and `image pull --record`, which
// writes the digest of each image this host holds so that synth can name it on every host.

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const ID1 = '1a'.repeat(32);
const ID2 = '2b'.repeat(32);

/**
 * A podman that holds `images` (reference -> [image ID, manifest digest]) and finds an image by
 * `name[:tag]@digest` through the digest alone, as podman 4.3.1 does.
 */
function fakePodman(images: Record<string, [string, string]>, calls: string[][] = []): PodmanRun {
  const find = (ref: string) => {
    const at = ref.indexOf('@');
    if (at < 0) return images[ref];
    return Object.values(images).find(([, digest]) => digest === ref.slice(at + 1));
  };
  return (args) => {
    calls.push([...args]);
    if (args[0] === '--version') return { status: 0, stdout: 'podman version 4.3.1\n' };
    const image = find(args[args.length - 1]);
    if (args[0] === 'image' && args[1] === 'exists') return { status: image ? 0 : 1, stdout: '' };
    if (args[0] === 'image' && args[1] === 'inspect') {
      if (!image) return { status: 125, stdout: '', stderr: `Error: ${args[args.length - 1]}: image not known\n` };
      const [id, digest] = image;
      return { status: 0, stdout: `${args[3].replace('{{.Id}}', id).replace('{{.Digest}}', digest).replace('{{.Os}}/{{.Architecture}}', 'linux/amd64')}\n` };
    }
    throw new Error(`fake podman: unexpected ${args.join(' ')}`);
  };
}

/** The images of the default pod, all present (the OpenCode one built here). */
const DEFAULT_IMAGES: Record<string, [string, string]> = {
  'docker.io/valkey/valkey:7.2.14': [ID1, D1],
  'docker.io/falkordb/falkordb:v4.20.4': [ID2, D2],
  'gcr.io/datadoghq/agent:7.84.6': ['3c'.repeat(32), `sha256:${'3'.repeat(64)}`],
  'localhost/opencode-server:1.18.34': ['4d'.repeat(32), `sha256:${'4'.repeat(64)}`],
};

function synth(dir: string, config?: string): { rc: number; err: string[] } {
  const err: string[] = [];
  const rc = runSynth(
    { configPath: config, outDir: join(dir, 'dist') },
    () => {},
    (l) => err.push(l),
  );
  return { rc, err };
}

function pull(dir: string, podman: PodmanRun, record?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const rc = runImagePull(
    { from: join(dir, 'dist'), record },
    (l) => out.push(l),
    (l) => err.push(l),
    podman,
  );
  return { rc, out, err };
}

describe('synth and moving tags', () => {
  it('writes dist/ and warns on stderr for each moving tag, naming the field, the value and what is allowed', () => {
    const dir = tempDir();
    const config = join(dir, 'c.yaml');
    writeFileSync(config, 'services:\n  valkey: {image: docker.io/valkey/valkey:7.2}\n  datadog: {image: "gcr.io/datadoghq/agent:7"}\n');
    const { rc, err } = synth(dir, config);
    expect(rc).toBe(0);
    const warnings = err.filter((l) => l.startsWith('opencode-memory-pod: warning: '));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^opencode-memory-pod: warning: services\.valkey\.image: got "docker\.io\/valkey\/valkey:7\.2"; :7\.2 is a moving tag .* Pin it with a full version tag .* or a digest/,
    );
    expect(warnings[1]).toMatch(/services\.datadog\.image: got "gcr\.io\/datadoghq\/agent:7"/);
    expect(readFileSync(join(dir, 'dist', 'pod.yaml'), 'utf8')).toContain('image: docker.io/valkey/valkey:7.2\n');
  });

  it('says nothing of the defaults, or of :latest, which it refuses', () => {
    const dir = tempDir();
    expect(synth(dir)).toEqual({ rc: 0, err: [] });
    const config = join(dir, 'c.yaml');
    writeFileSync(config, 'services:\n  valkey: {image: "docker.io/valkey/valkey:latest"}\n');
    const refused = synth(dir, config);
    expect(refused.rc).toBe(2);
    expect(refused.err.join('\n')).not.toMatch(/warning/);
  });
});

describe('image pull --record', () => {
  it("writes each pulled image's digest as the configuration's entries; synth with them names the digests", () => {
    const dir = tempDir();
    synth(dir);
    const record = join(dir, 'images.yaml');
    const { rc, out, err } = pull(dir, fakePodman(DEFAULT_IMAGES), record);
    expect(err).toEqual([]);
    expect(rc).toBe(0);
    const text = readFileSync(record, 'utf8');
    expect(text.split('\n')[0]).toBe(RECORD_MARKER);
    expect(text).toMatch(/podman version 4\.3\.1; images for linux\/amd64\./);
    expect(text).toContain('#   opencode: localhost/opencode-server:1.18.34 (built on each host, not pulled)');
    expect(load(text)).toEqual({
      services: {
        valkey: { image: `docker.io/valkey/valkey:7.2.14@${D1}` },
        falkordb: { image: `docker.io/falkordb/falkordb:v4.20.4@${D2}` },
        datadog: { image: `gcr.io/datadoghq/agent:7.84.6@sha256:${'3'.repeat(64)}` },
      },
    });
    expect(out).toContain(`opencode-memory-pod: valkey: recorded docker.io/valkey/valkey:7.2.14@${D1}`);

    // The record is a configuration: synth puts the digests in pod.yaml, without a warning, and
    // image pull on the next host finds (or would pull) exactly them.
    const next = tempDir();
    expect(synth(next, record)).toEqual({ rc: 0, err: [] });
    const pod = readFileSync(join(next, 'dist', 'pod.yaml'), 'utf8');
    expect(pod).toContain(`image: docker.io/valkey/valkey:7.2.14@${D1}\n`);
    expect(pod).toContain(`image: docker.io/falkordb/falkordb:v4.20.4@${D2}\n`);
    const calls: string[][] = [];
    expect(pull(next, fakePodman(DEFAULT_IMAGES, calls)).rc).toBe(0);
    expect(calls).toContainEqual(['image', 'exists', `docker.io/valkey/valkey:7.2.14@${D1}`]);
    // Recording again keeps a digest already there as it is.
    expect(pull(next, fakePodman(DEFAULT_IMAGES), record).rc).toBe(0);
    expect(loadConfigFile(record).services.valkey.image).toBe(`docker.io/valkey/valkey:7.2.14@${D1}`);
  });

  it('records nothing when an image is missing, and never replaces a file it did not write', () => {
    const dir = tempDir();
    synth(dir);
    const record = join(dir, 'images.yaml');
    const missing = { ...DEFAULT_IMAGES };
    delete missing['localhost/opencode-server:1.18.34'];
    const r = pull(dir, fakePodman(missing), record);
    expect(r.rc).toBe(1);
    expect(r.err.at(-1)).toBe(`opencode-memory-pod: nothing recorded in ${record}: an image is missing (above)`);
    expect(() => readFileSync(record)).toThrow();

    writeFileSync(record, 'podName: mine\n');
    const foreign = pull(dir, fakePodman(DEFAULT_IMAGES), record);
    expect(foreign.rc).toBe(1);
    expect(foreign.err).toEqual([`opencode-memory-pod: ${record} exists and is not a record image pull wrote; nothing recorded (name another file)`]);
    expect(readFileSync(record, 'utf8')).toBe('podName: mine\n');
  });

  it('leaves nothing behind when the record cannot be written', () => {
    const dir = tempDir();
    synth(dir);
    const record = join(dir, 'no-such-folder', 'images.yaml');
    const r = pull(dir, fakePodman(DEFAULT_IMAGES), record);
    expect(r.rc).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(new RegExp(`^opencode-memory-pod: ENOENT: .*; nothing recorded in ${record}$`))]);
    expect(readdirSync(dir).sort()).toEqual(['dist']);
  });

  it('refuses a digest podman does not resolve to the same image', () => {
    // podman holds the tag as ID1 but finds another image by the digest it reports for it.
    const podman = fakePodman({ 'docker.io/other/x:1': [ID2, D2], 'docker.io/valkey/valkey:7.2.14': [ID1, D2] });
    expect(() => pinnedReference('docker.io/valkey/valkey:7.2.14', podman)).toThrow(RecordError);
    expect(() => pinnedReference('docker.io/valkey/valkey:7.2.14', podman)).toThrow(
      /does not resolve .*@sha256:2{64} to the image it holds as docker\.io\/valkey\/valkey:7\.2\.14/,
    );
    expect(() => pinnedReference('docker.io/valkey/valkey:7.2.15', podman)).toThrow(/gave no digest \(exit 125: Error: .*image not known\)/);
    expect(pinnedReference('docker.io/valkey/valkey:7.2.14', fakePodman(DEFAULT_IMAGES))).toEqual({
      pinned: `docker.io/valkey/valkey:7.2.14@${D1}`,
      platform: 'linux/amd64',
    });
  });
});
