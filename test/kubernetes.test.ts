import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load';
import { ConfigInput } from '../src/config/schema';
import { synthesize } from '../src/app/synth';
import { parseManifests } from '../src/validate/manifest-input';
import { SCHEMA_KINDS } from '../src/validate/kubernetes-schema';
import { validateDocuments } from '../src/validate/validate';
import { model, REPO, shells, tempDir } from './helpers';

type Obj = Record<string, any>;

function kube(input: ConfigInput = {}): Map<string, string> {
  const files = synthesize(parseConfig({ ...input, targets: ['kubernetes'] }));
  return new Map(files.filter((f) => f.path.startsWith('kubernetes/')).map((f) => [f.path, f.content]));
}

function objects(files: Map<string, string>): Obj[] {
  return [...files].filter(([p]) => p.endsWith('.yaml')).flatMap(([, text]) => loadAll(text) as Obj[]);
}

function podSpec(files: Map<string, string>): Obj {
  return objects(files).find((o) => o.kind === 'StatefulSet')!.spec.template.spec;
}

const CONFIGS: Array<[string, ConfigInput]> = [
  ['defaults (Datadog as node agent)', {}],
  ['Datadog as sidecar, Graphiti on', { kubernetes: { datadog: 'sidecar' }, services: { graphiti: { enabled: true } } }],
  [
    'no Datadog, namespace, storage class and sizes',
    {
      services: { datadog: { enabled: false } },
      kubernetes: { namespace: 'memory', storageClassName: 'fast', storage: { 'valkey-data': '5Gi' }, defaultStorage: '20Gi', cpuRequest: '250m' },
    },
  ],
];

describe('kubernetes target', () => {
  for (const [name, input] of CONFIGS) {
    describe(name, () => {
      const files = kube(input);

      it('validates against the strict 1.28 schema with no finding for Kubernetes 1.29; 1.28 lacks native sidecars', () => {
        for (const [path, text] of files) {
          if (!path.endsWith('.yaml')) continue;
          const docs = parseManifests(Buffer.from(text), path, SCHEMA_KINDS);
          expect(validateDocuments(docs, { target: 'kubernetes', podman: 'all', kubernetesMinor: 29 }), path).toEqual([]);
        }
        const sts = parseManifests(Buffer.from(files.get('kubernetes/statefulset.yaml')!), 'statefulset.yaml', SCHEMA_KINDS);
        const old = validateDocuments(sts, { target: 'kubernetes', podman: 'all', kubernetesMinor: 28 });
        expect(old.length).toBe(podSpec(files).initContainers.length);
        expect(old.every((f) => f.rule === 'k8s/native-sidecar-version' && f.severity === 'error')).toBe(true);
      });

      it('starts the services in the order of the dependency graph: depended-on services are native sidecars, before their dependents', () => {
        const spec = podSpec(files);
        const init: Obj[] = spec.initContainers;
        const apps: Obj[] = spec.containers;
        const order = [...init, ...apps].map((c) => c.name);
        const m = model({ ...input, targets: ['kubernetes'] });
        const inPod = new Set(order);
        for (const stage of m.stages) {
          if (!inPod.has(stage.spec.name)) continue;
          for (const dep of stage.waitsFor.filter((d) => inPod.has(d))) {
            expect(order.indexOf(dep), `${dep} before ${stage.spec.name}`).toBeLessThan(order.indexOf(stage.spec.name));
            const depContainer = init.find((c) => c.name === dep);
            expect(depContainer, `${dep} is a sidecar`).toBeDefined();
            expect(depContainer!.restartPolicy).toBe('Always');
            expect(depContainer!.startupProbe.exec.command).toEqual(['/bin/sh', '/opt/opencode-memory-pod/health.sh', dep]);
          }
        }
        // Every sidecar has a dependent in the pod; every app container has none.
        const dependents = (n: string) => m.stages.filter((s) => inPod.has(s.spec.name) && s.waitsFor.includes(n)).length;
        for (const c of init) expect(dependents(c.name), c.name).toBeGreaterThan(0);
        for (const c of apps) expect(dependents(c.name), c.name).toBe(0);
        // Same relative order as the podman pod.
        expect(order).toEqual(
          m.stages
            .map((s) => s.spec.name)
            .filter((n) => inPod.has(n))
            .filter((n) => init.some((c) => c.name === n))
            .concat(apps.map((c) => c.name)),
        );
      });

      it('every container has startup, liveness and readiness probes and memory/cpu requests; no host paths', () => {
        const spec = podSpec(files);
        for (const c of [...spec.initContainers, ...spec.containers]) {
          for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe'])
            expect(c[p]?.exec?.command, `${c.name}.${p}`).toEqual(['/bin/sh', '/opt/opencode-memory-pod/health.sh', c.name]);
          expect(c.resources.requests.cpu).toBeTruthy();
          expect(c.resources.requests.memory).toBe(c.resources.limits.memory);
        }
        expect(JSON.stringify(objects(files))).not.toContain('hostPath');
        expect(JSON.stringify(objects(files))).not.toContain('podman.sock');
      });
    });
  }

  it("writes no secret value: each container's secrets come only through its own Secret", () => {
    const dir = tempDir();
    const envFile = join(dir, 'opencode.env');
    const markers = {
      VALKEY_PASSWORD: 'vk-MARK-1',
      FALKORDB_PASSWORD: 'fk-MARK-2',
      DD_API_KEY: 'dd-MARK-3',
      OPENCODE_SERVER_PASSWORD: 'oc-MARK-4',
      OPENAI_API_KEY: 'oa-MARK-5',
    };
    writeFileSync(
      envFile,
      Object.entries(markers)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    const files = synthesize(
      parseConfig({ envFile, targets: ['podman', 'kubernetes'], kubernetes: { datadog: 'sidecar' }, services: { graphiti: { enabled: true } } }),
    );
    for (const f of files) for (const v of Object.values(markers)) expect(f.content, f.path).not.toContain(v);
    const spec = podSpec(new Map(files.map((f) => [f.path, f.content])));
    for (const c of [...spec.initContainers, ...spec.containers]) {
      for (const e of c.env ?? []) {
        if (e.name in markers) expect(e.valueFrom?.secretKeyRef, `${c.name} ${e.name}`).toMatchObject({ name: `opencode-env-${c.name}`, key: e.name });
      }
    }
    const datadog = spec.initContainers.find((c: Obj) => c.name === 'datadog');
    expect(datadog.env.find((e: Obj) => e.name === 'DD_API_KEY').valueFrom.secretKeyRef.optional).toBe(false);
    expect(datadog.envFrom).toEqual([{ secretRef: { name: 'opencode-env-datadog' } }]);
    const opencode = spec.containers.find((c: Obj) => c.name === 'opencode');
    expect(opencode.envFrom).toEqual([{ secretRef: { name: 'opencode-env-opencode' } }]);
    const valkey = spec.initContainers.find((c: Obj) => c.name === 'valkey');
    expect(valkey.envFrom).toBeUndefined();
    expect(valkey.env).toEqual([
      { name: 'VALKEY_PASSWORD', valueFrom: { secretKeyRef: { name: 'opencode-env-valkey', key: 'VALKEY_PASSWORD', optional: true } } },
    ]);
  });

  it("the printed steps create one Secret per container of the pod, with only that service's keys (kubectl recorded)", () => {
    const dir = tempDir();
    const envFile = join(dir, 'opencode.env');
    writeFileSync(
      envFile,
      'VALKEY_PASSWORD="vk pw"\r\nexport DD_API_KEY=dd\nOPENAI_API_KEY=oa $(id)\nOPENCODE_SERVER_PASSWORD=first\nIFS=,\nOPENCODE_SERVER_PASSWORD=oc\n',
      { mode: 0o600 },
    );
    // No cluster here: a kubectl that records each Secret's name and the env file it was given.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'kubectl'),
      '#!/bin/sh\nfor a; do case $a in --from-env-file=*) cp "${a#*=}" "$REC/$4.env"; echo "${a#*=}" >>"$REC/paths" ;; esac; done\n',
      { mode: 0o755 },
    );
    mkdirSync(join(dir, 'rec'));
    writeFileSync(join(dir, 'c.yaml'), `envFile: ${envFile}\n`);
    const synth = spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), 'synth', '--target', 'kubernetes', '-o', 'out', '-c', 'c.yaml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(synth.status, synth.stderr).toBe(0);
    const lines = synth.stdout.split('\n');
    const steps = lines
      .slice(lines.findIndex((l) => l.includes('Kubernetes:')))
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim());
    const secretSteps = steps.slice(
      0,
      steps.findIndex((l) => l.startsWith('kubectl apply')),
    );
    expect(secretSteps).toEqual([`sh out/kubernetes/create-secrets.sh ${envFile}`]);
    const run = spawnSync('sh', ['-ec', secretSteps.join('\n')], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, REC: join(dir, 'rec') },
    });
    expect(run.status, run.stderr).toBe(0);
    const rec = (name: string) => readFileSync(join(dir, 'rec', `${name}.env`), 'utf8');
    expect(readdirSync(join(dir, 'rec')).sort()).toEqual(['opencode-env-falkordb.env', 'opencode-env-opencode.env', 'opencode-env-valkey.env', 'paths']);
    expect(rec('opencode-env-valkey')).toBe('VALKEY_PASSWORD=vk pw\n');
    expect(rec('opencode-env-falkordb')).toBe('');
    // kubectl refuses a key given twice: the last value only, as the pod's launcher would take it.
    expect(rec('opencode-env-opencode')).toBe('VALKEY_PASSWORD=vk pw\nOPENAI_API_KEY=oa $(id)\nOPENCODE_SERVER_PASSWORD=oc\n');
    expect(run.stderr).toContain('IFS is reserved');
    expect(run.stderr).toContain('OPENCODE_SERVER_PASSWORD is set again; its last value counts');
    // The temporary folder with the plain copies is gone again.
    for (const p of readFileSync(join(dir, 'rec', 'paths'), 'utf8')
      .trim()
      .split('\n'))
      expect(existsSync(p), p).toBe(false);
  });

  it('every container stays within the baseline Pod Security level (capabilities it may add)', () => {
    const BASELINE = [
      'AUDIT_WRITE',
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'NET_BIND_SERVICE',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'SYS_CHROOT',
    ];
    for (const input of [{}, { kubernetes: { datadog: 'sidecar' as const }, services: { graphiti: { enabled: true } } }]) {
      const spec = podSpec(kube(input));
      for (const c of [...spec.initContainers, ...spec.containers]) {
        expect(c.securityContext.capabilities.drop, c.name).toEqual(['ALL']);
        for (const cap of c.securityContext.capabilities.add ?? []) expect(BASELINE, `${c.name} adds ${cap}`).toContain(cap);
      }
    }
  });

  it('Datadog as node agent: no agent in the pod; OpenCode reaches the node agent at the node IP', () => {
    const spec = podSpec(kube());
    expect([...spec.initContainers, ...spec.containers].map((c: Obj) => c.name)).toEqual(['valkey', 'falkordb', 'opencode']);
    const env: Obj[] = spec.containers[0].env;
    expect(env[0]).toEqual({ name: 'DD_AGENT_HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
    expect(env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')!.value).toBe('http://$(DD_AGENT_HOST):4318');
    // Sidecar mode keeps the in-pod agent and its loopback endpoint.
    const side = podSpec(kube({ kubernetes: { datadog: 'sidecar' } }));
    expect(side.initContainers.map((c: Obj) => c.name)).toEqual(['valkey', 'falkordb', 'datadog']);
    expect(side.containers[0].env.find((e: Obj) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').value).toBe('http://127.0.0.1:4318');
    expect(side.containers[0].env.some((e: Obj) => e.name === 'DD_AGENT_HOST')).toBe(false);
  });

  it('persistent data on volume claims; Services and NetworkPolicy from the ports', () => {
    const files = kube({ services: { graphiti: { enabled: true } }, kubernetes: { storage: { 'falkordb-data': '50Gi' } } });
    const all = objects(files);
    const sts = all.find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates.map((v: Obj) => [v.metadata.name, v.spec.resources.requests.storage])).toEqual([
      ['valkey-data', '10Gi'],
      ['falkordb-data', '50Gi'],
      ['opencode-data', '10Gi'],
    ]);
    const services = all.filter((o) => o.kind === 'Service');
    const user = services.find((s) => s.spec.type === 'ClusterIP')!;
    expect(user.spec.ports.map((p: Obj) => p.port)).toEqual([4096, 8000]);
    expect(services.find((s) => s.spec.clusterIP === 'None')!.metadata.name).toBe(sts.spec.serviceName);
    const np = all.find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.ingress).toEqual([
      {
        ports: [
          { port: 4096, protocol: 'TCP' },
          { port: 8000, protocol: 'TCP' },
        ],
      },
      {
        from: [{ podSelector: { matchLabels: { 'opencode-memory-pod/store-client': 'true' } } }],
        ports: [6380, 6379, 3000].map((port) => ({ port, protocol: 'TCP' })),
      },
    ]);
  });

  it("workspaces become volume claims at the same paths (a node has no folder of the user's), said in README.txt; OpenCode runs as runAs", () => {
    const files = kube({ services: { opencode: { workspaces: ['/srv/code/app'], runAs: '1500:1600' } }, kubernetes: { storage: { 'workspace-1': '30Gi' } } });
    const sts = objects(files).find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.volumeClaimTemplates.map((v: Obj) => [v.metadata.name, v.spec.resources.requests.storage])).toContainEqual(['workspace-1', '30Gi']);
    const oc = sts.spec.template.spec.containers.find((c: Obj) => c.name === 'opencode');
    expect(oc.volumeMounts).toContainEqual({ name: 'workspace-1', mountPath: '/srv/code/app' });
    expect(oc.workingDir).toBe('/srv/code/app');
    expect(oc.securityContext).toEqual({
      runAsUser: 1500,
      runAsGroup: 1600,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(sts.spec.template.spec.securityContext).toEqual({ fsGroup: 1600, fsGroupChangePolicy: 'OnRootMismatch' });
    const readme = files.get('kubernetes/README.txt')!;
    expect(readme).toContain('Workspaces: a cluster node has no folder of yours, so each is a volume claim mounted at the same path, empty at first');
    expect(readme).toContain('workspace-1: /srv/code/app  (fill it: kubectl exec opencode-memory-pod-0 -c opencode -- git -C /srv/code/app clone <https url>)');
    // As root (runAs 0:0): the capabilities of the podman pod, no fsGroup.
    const root = podSpec(kube({ services: { opencode: { runAs: '0:0' } } }));
    expect(root.securityContext).toBeUndefined();
    expect(root.containers.find((c: Obj) => c.name === 'opencode').securityContext.capabilities.add).toContain('DAC_OVERRIDE');
  });

  it('rejects a storage size for a volume that does not exist, naming it', () => {
    expect(() => kube({ kubernetes: { storage: { 'valkey-dat': '5Gi' } } })).toThrow(
      /kubernetes\.storage\.valkey-dat: got "5Gi"; no such persistent volume; volumes: valkey-data, falkordb-data, opencode-data/,
    );
  });

  it('golden copy of dist/kubernetes/ for the default configuration (reviewed; UPDATE_GOLDEN=1 rewrites it)', () => {
    const golden = join(REPO, 'test', 'golden-kubernetes');
    const files = kube();
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(golden, { recursive: true });
      for (const [p, text] of files) writeFileSync(join(golden, p.replace('kubernetes/', '')), text);
    }
    for (const [p, text] of files) expect(text, p).toBe(readFileSync(join(golden, p.replace('kubernetes/', '')), 'utf8'));
  });
});

describe('the stores on Kubernetes: umask 077 without a launcher', () => {
  it('a shell in front of the command sets it and execs the rest as written; the other containers start as before', () => {
    const containers = [...podSpec(kube()).initContainers, ...podSpec(kube()).containers];
    const cmd = (name: string) => containers.find((c: Obj) => c.name === name).command as string[];
    for (const store of ['valkey', 'falkordb']) {
      const command = cmd(store);
      expect(command.slice(0, 6)).toEqual(['/bin/sh', '-c', 'umask 077 && exec "$@"', 'sh', '/bin/sh', '/opt/opencode-memory-pod/requirepass-exec.sh']);
      // The prefix, run for real in front of a stand-in of the rest: the umask holds, the words arrive unchanged.
      const dir = tempDir();
      const r = spawnSync(command[0], [...command.slice(1, 4), 'sh', '-c', 'umask > umask; printf "%s\\n" "$@" > argv', 'x', 'a b', '$(c)'], { cwd: dir });
      expect(r.status).toBe(0);
      expect(readFileSync(join(dir, 'umask'), 'utf8')).toBe('0077\n');
      expect(readFileSync(join(dir, 'argv'), 'utf8')).toBe('a b\n$(c)\n');
    }
    expect(cmd('opencode')[0]).not.toBe('/bin/sh');
  });
});

describe('requirepass-exec.sh (Kubernetes target) as a real process', () => {
  const script = join(REPO, 'runtime', 'requirepass-exec.sh');
  for (const sh of shells()) {
    it(`${sh.join(' ')}: password from the environment to stdin, escaped; not in argv, not left in the environment`, () => {
      const dir = tempDir();
      const password = "p\"w\\d $(touch pwned) `x` 'q'";
      const r = spawnSync(
        sh[0],
        [...sh.slice(1), script, 'VALKEY_PASSWORD', '--', 'sh', '-c', 'printf "%s\\n" "$@" > argv; env > environ; cat > stdin', 'server', '-', '--port', '1'],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, VALKEY_PASSWORD: password },
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(`requirepass "p\\"w\\\\d $(touch pwned) \`x\` 'q'"\n`);
      expect(readFileSync(join(dir, 'argv'), 'utf8')).toBe('-\n--port\n1\n');
      expect(readFileSync(join(dir, 'environ'), 'utf8')).not.toContain('VALKEY_PASSWORD');
      expect(spawnSync('ls', [dir]).stdout.toString()).not.toContain('pwned');
      // No password set: the server reads an empty stdin.
      const none = spawnSync(sh[0], [...sh.slice(1), script, 'VALKEY_PASSWORD', '--', 'sh', '-c', 'cat > stdin2'], {
        cwd: dir,
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      });
      expect(none.status).toBe(0);
      expect(readFileSync(join(dir, 'stdin2'), 'utf8')).toBe('');
      const bad = spawnSync(sh[0], [...sh.slice(1), script, 'X;touch pwned', '--', 'true'], { cwd: dir, encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('bad variable name');
    });
  }

  it('a real Redis-protocol server requires the Secret password; the generated health.sh passes with it in the environment', async () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // Debian's redis-tools ships the server as redis-check-rdb; named redis-server it serves.
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-check-rdb']).stdout.toString().trim(), join(bin, 'redis-server'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const password = 'sp ace"quote\\slash $(x)';
    const env = { PATH: `${bin}:${process.env.PATH}`, FALKORDB_PASSWORD: password };
    const server = spawn(
      'dash',
      [join(REPO, 'runtime', 'requirepass-exec.sh'), 'FALKORDB_PASSWORD', '--', 'redis-server', '-', '--port', port, '--bind', '127.0.0.1', '--save', ''],
      { env, stdio: 'ignore' },
    );
    try {
      const files = kube({ services: { falkordb: { port: Number(port) }, valkey: { port: Number(port) + 1 } } });
      const cm = objects(files).find((o) => o.kind === 'ConfigMap')!;
      writeFileSync(join(dir, 'health.sh'), cm.data['health.sh']);
      // The falkordb check uses redis-cli, which the FalkorDB image has.
      const health = (e: Record<string, string>) => spawnSync('sh', [join(dir, 'health.sh'), 'falkordb'], { env: { PATH: process.env.PATH, ...e } }).status;
      const deadline = Date.now() + 5000;
      while (health({ FALKORDB_PASSWORD: password }) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(health({ FALKORDB_PASSWORD: password })).toBe(0);
      expect(health({})).not.toBe(0);
      expect(health({ FALKORDB_PASSWORD: 'wrong' })).not.toBe(0);
      expect(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')).not.toContain('quote');
      expect(readFileSync(`/proc/${server.pid}/environ`, 'utf8')).not.toContain('quote');
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe('synth --target', () => {
  it('writes dist/kubernetes/ and prints the Secret and apply commands; bad targets exit 2', () => {
    const dir = tempDir();
    const cli = (args: string[]) => spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), ...args], { cwd: dir, encoding: 'utf8' });
    const r = cli(['synth', '--target', 'podman,kubernetes', '-o', 'out']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('sh out/kubernetes/create-secrets.sh /run/secrets/opencode.env');
    // The steps name the folder synth wrote to, not the default.
    expect(r.stdout).toContain('kubectl apply --dry-run=server -f out/kubernetes/');
    expect(spawnSync('ls', ['out', 'out/kubernetes'], { cwd: dir }).stdout.toString()).toMatch(/pod\.yaml[\s\S]*statefulset\.yaml/);
    const v = cli(['validate', '--target', 'kubernetes', '--from', 'out']);
    expect(v.stdout).toContain('5 objects in 4 files checked for Kubernetes 1.29 (Kubernetes 1.28 schema): 0 error(s), 0 warning(s)');
    expect(v.status).toBe(0);
    // With no file and no --target, validate checks each part of what synth wrote for its own target.
    const both = cli(['validate', '--podman', '5.4.2', '--from', 'out']);
    expect(both.stdout).toContain(
      '7 objects in 5 files checked for podman 5.4.2 (Kubernetes 1.28 schema) and Kubernetes 1.29 (Kubernetes 1.28 schema): 0 error(s), 0 warning(s)',
    );
    expect(both.status).toBe(0);
    const bad = cli(['synth', '--target', 'nomad', '-o', 'out']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--target: got "nomad"; podman, kubernetes, or several separated by a comma');
    expect(load(readFileSync(join(dir, 'out', 'kubernetes', 'service.yaml'), 'utf8').split('---\n')[1])).toMatchObject({ kind: 'Service' });
  });
});
