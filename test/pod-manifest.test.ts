import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { files } from './helpers';

type Doc = Record<string, any>;
const docs = (input?: object): Doc[] => yaml.loadAll(files(input).get('pod.yaml')!) as Doc[];
const pod = (input?: object) => docs(input).find((d) => d.kind === 'Pod')!;
const container = (p: Doc, name: string) => p.spec.containers.find((c: Doc) => c.name === name);

describe('pod.yaml for podman kube play', () => {
  it('has the runtime ConfigMap before one Pod with the four containers in dependency order', () => {
    const d = docs();
    expect(d.map((x) => x.kind)).toEqual(['ConfigMap', 'Pod']);
    expect(d[1].metadata.name).toBe('opencode-memory-pod');
    expect(d[1].spec.containers.map((c: Doc) => c.name)).toEqual(['valkey', 'falkordb', 'datadog', 'opencode']);
    expect(Object.keys(d[0].data).sort()).toEqual(['envfile.sh', 'health.sh', 'launch.sh']);
  });

  it('wraps every entrypoint in the launcher with the waits from the dependency graph', () => {
    const p = pod();
    const cmd = (n: string) => container(p, n).command as string[];
    expect(cmd('valkey')).toEqual([
      '/bin/sh',
      '/opt/opencode-memory-pod/launch.sh',
      '--name',
      'valkey',
      '--timeout',
      '120',
      '--post-health',
      '--requirepass-from',
      'VALKEY_PASSWORD',
      // Its data folder private before the entrypoint hands it to uid 999; its snapshots 0600.
      '--private',
      '/data',
      '--umask',
      '077',
      '--',
      'docker-entrypoint.sh',
    ]);
    expect(cmd('falkordb').slice(4, 6)).toEqual(['--after', 'valkey']);
    // FalkorDB's run.sh sets no umask: without the launcher's its dump was 0644.
    expect(cmd('falkordb').join(' ')).toContain('--private /var/lib/falkordb/data --umask 077 -- /var/lib/falkordb/bin/run.sh');
    // OpenCode's home is handed over (--own) with --user; its umask stays podman's (its files in the user's workspaces).
    expect(cmd('opencode')).not.toContain('--private');
    expect(cmd('opencode')).not.toContain('--umask');
    expect(cmd('datadog').slice(4, 6)).toEqual(['--after', 'falkordb']);
    expect(cmd('opencode')).toContain('--env-all');
    // Every service posts its marker: the liveness probe reads it to tell starting from failing.
    expect(cmd('opencode')).toContain('--post-health');
    expect(cmd('opencode').slice(-1)).toEqual(['opencode']);
    expect(container(p, 'opencode').args).toEqual(['serve', '--hostname', '0.0.0.0', '--port', '4096']);
  });

  it('keeps the corrected values of the original design', () => {
    const p = pod();
    expect(container(p, 'valkey').args).toEqual(['-', '--port', '6380', '--maxmemory', '2gb', '--maxmemory-policy', 'allkeys-lru', '--save', '60 1000']);
    expect(container(p, 'falkordb').env).toEqual([
      { name: 'REDIS_ARGS', value: '- --maxmemory 1gb --maxmemory-policy noeviction --save 60 100' },
      { name: 'BROWSER', value: '1' },
    ]);
    expect(container(p, 'falkordb').volumeMounts).toContainEqual({ name: 'falkordb-data', mountPath: '/var/lib/falkordb/data' });
    expect(container(p, 'opencode').volumeMounts).toContainEqual({ name: 'opencode-data', mountPath: '/home/opencode' });
    const dd = container(p, 'datadog');
    expect(dd.env.map((e: Doc) => e.name)).not.toContain('DD_LLM_OBSERVABILITY_ENABLED');
    expect(dd.volumeMounts).toContainEqual({ name: 'podman-socket', mountPath: '/var/run/docker.sock', readOnly: true });
    expect(p.spec.volumes).toContainEqual({ name: 'podman-socket', hostPath: { path: '/var/run/podman/podman.sock', type: 'Socket' } });
    expect(container(p, 'valkey').resources.limits.memory).toBe('3Gi');
  });

  it('publishes only the five ports, each with hostPort and hostIP 127.0.0.1 by default', () => {
    const ports = pod().spec.containers.flatMap((c: Doc) => c.ports ?? []);
    expect(ports.map((x: Doc) => x.hostPort).sort()).toEqual([3000, 4096, 6379, 6380, 8126]);
    for (const port of ports) expect(port).toMatchObject({ hostIP: '127.0.0.1', hostPort: port.containerPort });
    const other = pod({
      bindAddress: '100.64.1.2',
      services: { valkey: { requirePassword: true }, falkordb: { requirePassword: true }, datadog: { exposeUnauthenticated: true } },
    }).spec.containers.flatMap((c: Doc) => c.ports);
    expect(new Set(other.map((x: Doc) => x.hostIP))).toEqual(new Set(['100.64.1.2']));
  });

  it('uses probes podman 4.3.1 cannot break: argv elements without spaces or shell syntax', () => {
    for (const c of pod().spec.containers) {
      expect(c.livenessProbe.exec.command).toEqual(['/bin/sh', '/opt/opencode-memory-pod/health.sh', '--live', c.name]);
      for (const arg of c.livenessProbe.exec.command) expect(arg).toMatch(/^[A-Za-z0-9_./-]+$/);
      expect(c.readinessProbe).toBeUndefined();
      expect(c.startupProbe).toBeUndefined();
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(c.image).toMatch(/^[a-z0-9.-]+(:\d+)?\/|^localhost\//);
    }
  });

  it('needs no start period: the liveness probe itself treats waiting and starting as alive', () => {
    for (const c of pod().spec.containers) {
      expect(c.livenessProbe.initialDelaySeconds).toBeUndefined();
      // A slow safety net: the watchdog asks every 5 s from the host; podman's probe costs ~0.25 s of CPU a run.
      expect(c.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(300);
      expect(c.livenessProbe.failureThreshold).toBe(2);
    }
  });

  it('mounts into each container only its own env file, read-only, and writes no secret value', () => {
    const p = pod({ podName: 'memtest', envFile: '/etc/omp/secrets.env' });
    const envVolumes = p.spec.volumes.filter((v: Doc) => v.name.startsWith('env-'));
    expect(envVolumes.map((v: Doc) => v.hostPath)).toEqual(
      ['valkey', 'falkordb', 'datadog', 'opencode'].map((s) => ({ path: `/run/opencode-memory-pod/memtest/${s}.env`, type: 'File' })),
    );
    // The host env file itself is mounted nowhere.
    expect(JSON.stringify(p)).not.toContain('/etc/omp/secrets.env');
    for (const c of p.spec.containers) {
      const envMounts = c.volumeMounts.filter((m: Doc) => m.mountPath === '/run/opencode-memory-pod/opencode.env');
      expect(envMounts).toEqual([{ name: `env-${c.name}`, mountPath: '/run/opencode-memory-pod/opencode.env', readOnly: true }]);
      for (const e of c.env ?? []) expect(e.name).not.toMatch(/KEY|PASSWORD|TOKEN|SECRET/);
      expect(c.envFrom).toBeUndefined();
    }
  });

  it('gives each container its own state volume, writable only there and read-only where a dependent waits for it', () => {
    const stateMounts = (p: Doc, name: string) =>
      container(p, name)
        .volumeMounts.filter((m: Doc) => m.mountPath.startsWith('/run/opencode-memory-pod/state'))
        .map((m: Doc) => `${m.mountPath.slice('/run/opencode-memory-pod/state/'.length)}${m.readOnly ? ' ro' : ' rw'} ${m.name}`);
    const p = pod();
    expect(p.spec.volumes.filter((v: Doc) => v.emptyDir)).toEqual(
      ['valkey', 'falkordb', 'datadog', 'opencode'].map((s) => ({ name: `opencode-memory-pod-state-${s}`, emptyDir: {} })),
    );
    expect(stateMounts(p, 'valkey')).toEqual(['valkey rw opencode-memory-pod-state-valkey']);
    expect(stateMounts(p, 'falkordb')).toEqual(['falkordb rw opencode-memory-pod-state-falkordb', 'valkey ro opencode-memory-pod-state-valkey']);
    expect(stateMounts(p, 'datadog')).toEqual(['datadog rw opencode-memory-pod-state-datadog', 'falkordb ro opencode-memory-pod-state-falkordb']);
    // OpenCode runs shell commands for its model: it reads the stores' markers and can write none.
    expect(stateMounts(p, 'opencode')).toEqual([
      'opencode rw opencode-memory-pod-state-opencode',
      'valkey ro opencode-memory-pod-state-valkey',
      'falkordb ro opencode-memory-pod-state-falkordb',
      'datadog ro opencode-memory-pod-state-datadog',
    ]);
    // Whatever the services: a volume is writable in its own container alone, and read only by those waiting for it.
    const g = pod({ services: { graphiti: { enabled: true } } });
    for (const c of g.spec.containers) {
      const waits = c.command.flatMap((a: string, i: number) => (c.command[i - 1] === '--after' ? [a] : []));
      expect(stateMounts(g, c.name)).toEqual([
        `${c.name} rw opencode-memory-pod-state-${c.name}`,
        ...waits.map((w: string) => `${w} ro opencode-memory-pod-state-${w}`),
      ]);
    }
    // Pod-specific names (podman 4.3.1 makes each a named volume); no waits, no other's volume.
    const other = pod({ podName: 'other-pod', ordering: false });
    expect(other.spec.volumes.filter((v: Doc) => v.emptyDir).map((v: Doc) => v.name)).toEqual(
      ['valkey', 'falkordb', 'datadog', 'opencode'].map((s) => `other-pod-state-${s}`),
    );
    for (const name of ['valkey', 'falkordb', 'datadog', 'opencode']) expect(stateMounts(other, name)).toEqual([`${name} rw other-pod-state-${name}`]);
  });

  it('drops every capability a container does not need; extraCapabilities adds one back; bad names are errors', () => {
    const caps = (p: Doc) => Object.fromEntries(p.spec.containers.map((c: Doc) => [c.name, c.securityContext.capabilities]));
    expect(caps(pod())).toEqual({
      valkey: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'] },
      falkordb: { drop: ['ALL'], add: ['CHOWN', 'SETGID', 'SETUID'] },
      datadog: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'] },
      // Its own user (runAs): only what the launcher needs before it switches.
      opencode: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] },
    });
    expect(caps(pod({ services: { opencode: { runAs: '0:0' } } })).opencode.add).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'SETGID',
      'SETUID',
    ]);
    expect(caps(pod({ services: { opencode: { runAs: '0:0', extraCapabilities: ['NET_BIND_SERVICE', 'CHOWN'] } } })).opencode.add).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'NET_BIND_SERVICE',
      'SETGID',
      'SETUID',
    ]);
    expect(caps(pod({ services: { falkordb: { browser: false } } })).falkordb).toEqual({ drop: ['ALL'] });
    const graphiti = pod({ services: { graphiti: { enabled: true } } }).spec.containers.find((c: Doc) => c.name === 'graphiti');
    expect(graphiti.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(() => pod({ services: { valkey: { extraCapabilities: ['CAP_SYS_ADMIN'] } } })).toThrow(
      /services\.valkey\.extraCapabilities\.0: got "CAP_SYS_ADMIN"; must be one of .*"SYS_ADMIN"/,
    );
  });

  it('can leave out memory limits for hosts without the memory controller', () => {
    expect(pod().spec.containers.map((c: Doc) => c.resources.limits.memory)).toEqual(['3Gi', '2Gi', '1Gi', '2Gi']);
    for (const c of pod({ memoryLimits: false }).spec.containers) expect(c.resources).toBeUndefined();
  });

  it('ordering: false drops the waits (baseline for the benchmark); markers stay for the liveness probe', () => {
    for (const c of pod({ ordering: false }).spec.containers) {
      expect(c.command).not.toContain('--after');
      expect(c.command).toContain('--post-health');
    }
  });

  it('turning Datadog off removes it and OpenCode then waits for FalkorDB', () => {
    const p = pod({ services: { datadog: { enabled: false } } });
    expect(p.spec.containers.map((c: Doc) => c.name)).toEqual(['valkey', 'falkordb', 'opencode']);
    const cmd = container(p, 'opencode').command;
    expect(cmd).not.toContain('datadog');
    // Only its home: no OpenTelemetry without the agent.
    expect(container(p, 'opencode').env).toEqual([{ name: 'HOME', value: '/home/opencode' }]);
  });

  it('containerDiscovery: false runs the agent without the podman socket, /proc or cgroup mounts, and changes nothing else', () => {
    const on = pod();
    const off = pod({ services: { datadog: { containerDiscovery: false } } });
    const hostPaths = (p: Doc) => p.spec.volumes.filter((v: Doc) => v.hostPath).map((v: Doc) => v.hostPath.path);
    expect(hostPaths(on)).toEqual(expect.arrayContaining(['/var/run/podman/podman.sock', '/proc', '/sys/fs/cgroup']));
    expect(hostPaths(off)).not.toEqual(expect.arrayContaining(['/var/run/podman/podman.sock']));
    for (const path of ['/var/run/podman/podman.sock', '/proc', '/sys/fs/cgroup']) expect(hostPaths(off)).not.toContain(path);
    expect(container(off, 'datadog').volumeMounts.map((m: Doc) => m.mountPath)).not.toEqual(expect.arrayContaining(['/var/run/docker.sock']));
    expect(container(off, 'datadog').env.map((e: Doc) => e.name)).not.toContain('DD_LOGS_CONFIG_CONTAINER_COLLECT_ALL');
    for (const name of ['valkey', 'falkordb', 'opencode']) expect(container(off, name)).toEqual(container(on, name));
    // ... so doctor has no socket to check, and install nothing to require.
    const plan = JSON.parse(files({ services: { datadog: { containerDiscovery: false } } }).get('install.json')!);
    expect(plan.hostMounts.filter((m: Doc) => m.service === 'datadog')).toEqual([]);
  });

  it('adding Graphiti adds one container after FalkorDB and changes no other container', () => {
    const before = pod();
    const after = pod({ services: { graphiti: { enabled: true } } });
    expect(after.spec.containers.map((c: Doc) => c.name)).toEqual(['valkey', 'falkordb', 'datadog', 'opencode', 'graphiti']);
    const graphiti = container(after, 'graphiti');
    expect(graphiti.command.slice(4, 6)).toEqual(['--after', 'falkordb']);
    expect(graphiti.env).toContainEqual({ name: 'FALKORDB_URI', value: 'redis://127.0.0.1:6379' });
    for (const name of ['valkey', 'falkordb', 'datadog', 'opencode']) expect(container(after, name)).toEqual(container(before, name));
  });

  it('mounts optional plugin and config paths read-only where OpenCode reads them', () => {
    const c = container(pod({ services: { opencode: { pluginsDir: '/srv/oc/plugins', configFile: '/srv/oc/opencode.json' } } }), 'opencode');
    expect(c.volumeMounts).toContainEqual({ name: 'opencode-plugins', mountPath: '/home/opencode/.config/opencode/plugins', readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: 'opencode-config', mountPath: '/home/opencode/.config/opencode/opencode.json', readOnly: true });
  });

  it('mounts each workspace read-write at its own path in OpenCode alone, and starts OpenCode in the first', () => {
    const p = pod({ services: { opencode: { workspaces: ['/srv/code/app', '/home/alice/notes/'] } } });
    const c = container(p, 'opencode');
    expect(c.volumeMounts).toContainEqual({ name: 'workspace-1', mountPath: '/srv/code/app' });
    expect(c.volumeMounts).toContainEqual({ name: 'workspace-2', mountPath: '/home/alice/notes' });
    expect(p.spec.volumes).toContainEqual({ name: 'workspace-1', hostPath: { path: '/srv/code/app', type: 'Directory' } });
    expect(p.spec.volumes).toContainEqual({ name: 'workspace-2', hostPath: { path: '/home/alice/notes', type: 'Directory' } });
    expect(c.workingDir).toBe('/srv/code/app');
    for (const other of ['valkey', 'falkordb', 'datadog']) expect(container(p, other).volumeMounts.map((m: Doc) => m.name)).not.toContain('workspace-1');
    // No workspace: OpenCode works in its home, never in the container's /.
    expect(container(pod(), 'opencode').workingDir).toBe('/home/opencode');
    const plan = JSON.parse(files({ services: { opencode: { workspaces: ['/srv/code/app'] } } }).get('install.json')!);
    expect(plan.workspaces).toEqual([{ service: 'opencode', path: '/srv/code/app', field: 'services.opencode.workspaces.0', runAs: '1000:1000' }]);
    expect(plan.hostMounts.map((m: Doc) => m.path)).not.toContain('/srv/code/app');
  });

  it('runs OpenCode as runAs: the launcher switches after its root-only steps, with the home folders handed over', () => {
    const cmd = container(pod({ services: { opencode: { runAs: '1500:1600' } } }), 'opencode').command as string[];
    expect(cmd.slice(cmd.indexOf('--user'), cmd.indexOf('--user') + 4)).toEqual(['--user', '1500:1600', '--own', '/home/opencode']);
    const own = cmd.flatMap((a, i) => (cmd[i - 1] === '--own' ? [a] : []));
    for (const d of [
      '/home/opencode/.local/share/opencode',
      '/home/opencode/.local/state/opencode',
      '/home/opencode/.cache/opencode',
      '/home/opencode/.config/opencode',
    ])
      expect(own).toContain(d);
    // Parents before children: the launcher creates them one by one.
    expect(own.indexOf('/home/opencode/.local')).toBeLessThan(own.indexOf('/home/opencode/.local/share'));
    expect(cmd.indexOf('--user')).toBeLessThan(cmd.indexOf('--'));
    const plan = JSON.parse(files({ services: { opencode: { runAs: '1500:1600' } } }).get('install.json')!);
    expect(plan.dataDirs.find((d: Doc) => d.service === 'opencode')).toEqual({
      service: 'opencode',
      path: '/persist/containers/opencode',
      owner: '1500:1600',
      subdirs: ['.config/opencode', '.local/share/opencode', '.local/state/opencode', '.cache/opencode'],
    });
    // Root, as the official image: no switch.
    expect(container(pod({ services: { opencode: { runAs: '0:0' } } }), 'opencode').command).not.toContain('--user');
    for (const name of ['valkey', 'falkordb', 'datadog']) expect(container(pod(), name).command).not.toContain('--user');
  });

  it('contains only fields the Kubernetes client knows (typos would be dropped by it)', async () => {
    const k8s = await import('@kubernetes/client-node');
    for (const doc of docs({ services: { graphiti: { enabled: true }, opencode: { pluginsDir: '/p' } } })) {
      const roundTrip = yaml.load(k8s.dumpYaml(k8s.loadYaml(yaml.dump(doc))));
      expect(roundTrip).toEqual(doc);
    }
  });
});
