import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildModel } from '../src/app/synth';
import { parseConfig } from '../src/config/load';
import { ConfigInput } from '../src/config/schema';
import { ConfigError, ConfigProblem } from '../src/lib/config-error';
import { exposureLines, isLoopback } from '../src/model/exposure';
import { InstallPlan } from '../src/render/podman-files';
import { watchdogProbes } from '../src/render/systemd-watchdog';
import { files, model } from './helpers';

function problemsOf(input: ConfigInput): readonly ConfigProblem[] {
  try {
    buildModel(parseConfig(input));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** Each published port of pod.yaml, as `container:hostPort@hostIP`. */
function published(input: ConfigInput): string[] {
  const docs = parseAllDocuments(files(input).get('pod.yaml')!).map((d) => d.toJS());
  const pod = docs.find((d) => d?.kind === 'Pod');
  return pod.spec.containers.flatMap((c: { name: string; ports?: Array<{ hostPort: number; hostIP: string }> }) =>
    (c.ports ?? []).map((p) => `${c.name}:${p.hostPort}@${p.hostIP}`),
  );
}

/** The launcher argv of one container. */
function launcherArgs(input: ConfigInput, container: string): string[] {
  const docs = parseAllDocuments(files(input).get('pod.yaml')!).map((d) => d.toJS());
  return docs.find((d) => d?.kind === 'Pod').spec.containers.find((c: { name: string }) => c.name === container).command;
}

const plan = (input: ConfigInput): InstallPlan => JSON.parse(files(input).get('install.json')!) as InstallPlan;

describe('exposure: who can reach the published ports', () => {
  it('knows loopback as 127.0.0.0/8 only', () => {
    expect(['127.0.0.1', '127.1.2.3'].map(isLoopback)).toEqual([true, true]);
    expect(['0.0.0.0', '100.64.0.7', '192.168.1.2', '1127.0.0.1', '127.0.0.1.5'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });

  it('by default publishes every port on loopback only, and says so', () => {
    const m = model();
    expect(
      exposureLines(
        m.stages.map((s) => s.spec),
        m.bindAddress,
      ).map((l) => l.text),
    ).toEqual([
      'valkey    127.0.0.1:6380  this host only (loopback)',
      'falkordb  127.0.0.1:6379  this host only (loopback)',
      'falkordb  127.0.0.1:3000  this host only (loopback)',
      'datadog   127.0.0.1:8126  this host only (loopback)',
      'opencode  127.0.0.1:4096  this host only (loopback)',
    ]);
    expect(plan({}).hostPorts.every((p) => p.exposure === 'loopback')).toBe(true);
  });

  it('refuses a store beyond loopback without its password required, naming the field, the value and both ways out', () => {
    const problems = problemsOf({ bindAddress: '0.0.0.0' });
    expect(problems.map((p) => [p.field, p.value])).toEqual([
      ['bindAddress', '0.0.0.0'],
      ['bindAddress', '0.0.0.0'],
      ['bindAddress', '0.0.0.0'],
    ]);
    expect(problems[0].allowed).toMatch(/valkey.*VALKEY_PASSWORD.*services\.valkey\.requirePassword: true.*services\.valkey\.exposeUnauthenticated: true/);
    expect(problems[1].allowed).toMatch(/services\.falkordb\.requirePassword.*falkordb 6379, falkordb-ui 3000/);
    // The APM receiver has no password at all: only the override.
    expect(problems[2].allowed).toMatch(/datadog asks for no password at all \(dd-apm 8126\).*services\.datadog\.exposeUnauthenticated: true/);
    expect(problems[2].allowed).not.toMatch(/requirePassword/);
    // A service's own address is the field named.
    expect(problemsOf({ services: { valkey: { bindAddress: '192.168.1.20' } } }).map((p) => [p.field, p.value])).toEqual([
      ['services.valkey.bindAddress', '192.168.1.20'],
    ]);
    // Graphiti's MCP endpoint has no password either.
    expect(problemsOf({ services: { graphiti: { enabled: true, bindAddress: '0.0.0.0' } } }).map((p) => p.field)).toEqual(['services.graphiti.bindAddress']);
  });

  it('puts OpenCode on a Tailscale address and the rest on loopback (OpenCode always requires its password)', () => {
    const input: ConfigInput = { services: { opencode: { bindAddress: '100.64.0.7' } } };
    expect(problemsOf(input)).toEqual([]);
    expect(published(input)).toEqual([
      'valkey:6380@127.0.0.1',
      'falkordb:6379@127.0.0.1',
      'falkordb:3000@127.0.0.1',
      'datadog:8126@127.0.0.1',
      'opencode:4096@100.64.0.7',
    ]);
    expect(plan(input).hostPorts.find((p) => p.service === 'opencode')).toEqual({
      service: 'opencode',
      address: '100.64.0.7',
      port: 4096,
      exposure: 'password',
      passwordKey: 'OPENCODE_SERVER_PASSWORD',
    });
    // The watchdog asks each service where it is published.
    expect(watchdogProbes(model(input)).map((p) => `${p.service}@${p.address}`)).toEqual([
      'valkey@127.0.0.1',
      'falkordb@127.0.0.1',
      'datadog@127.0.0.1',
      'opencode@100.64.0.7',
    ]);
  });

  it('requirePassword: the store may leave loopback, the launcher refuses to start it without the password, doctor wants the key', () => {
    const input: ConfigInput = {
      bindAddress: '0.0.0.0',
      services: { valkey: { requirePassword: true }, falkordb: { requirePassword: true }, datadog: { enabled: false } },
    };
    expect(problemsOf(input)).toEqual([]);
    expect(launcherArgs(input, 'valkey')).toContain('--require-password');
    expect(launcherArgs(input, 'falkordb')).toContain('--require-password');
    expect(launcherArgs(input, 'opencode')).not.toContain('--require-password');
    expect(plan(input).requiredEnvKeys).toEqual(expect.arrayContaining(['VALKEY_PASSWORD', 'FALKORDB_PASSWORD', 'OPENCODE_SERVER_PASSWORD']));
    // Not asked for where nobody asked: the default pod's stores start without a password.
    expect(launcherArgs({}, 'valkey')).not.toContain('--require-password');
    expect(plan({}).requiredEnvKeys).not.toContain('VALKEY_PASSWORD');
    // A port published on every address is asked on loopback.
    expect(watchdogProbes(model(input)).map((p) => p.address)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('exposeUnauthenticated: published as asked, with a warning line in synth, install.json and doctor', () => {
    const input: ConfigInput = { services: { datadog: { bindAddress: '0.0.0.0', exposeUnauthenticated: true } } };
    expect(problemsOf(input)).toEqual([]);
    const m = model(input);
    const lines = exposureLines(
      m.stages.map((s) => s.spec),
      m.bindAddress,
    );
    expect(lines.filter((l) => l.warning).map((l) => l.text)).toEqual([
      'datadog   0.0.0.0:8126    WARNING: beyond loopback WITHOUT a password, anyone who reaches 0.0.0.0 can use it (services.datadog.exposeUnauthenticated)',
    ]);
    expect(plan(input).hostPorts.find((p) => p.service === 'datadog')?.exposure).toBe('unauthenticated');
    // The override of one service lets no other one out.
    expect(problemsOf({ bindAddress: '0.0.0.0', services: { datadog: { exposeUnauthenticated: true } } }).map((p) => p.allowed.split(';')[0])).toEqual([
      'must be a loopback address (127.0.0.1) for valkey',
      'must be a loopback address (127.0.0.1) for falkordb',
    ]);
  });
});
