import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DeclaredHealth, DeclaredMount, DeclaredPort, DeclaredService } from './declared-service';
import { parseDotenv } from './dotenv';
import { durationSeconds, wholeSeconds } from './duration';
import { rewriteHosts } from './hosts';
import { ImageConfig, ImageInspector, NO_IMAGES } from './image-config';
import { qualifyImage } from './image-name';
import { interpolate, InterpolationError, referencedVariables, VariableLookup } from './interpolate';
import { memoryQuantity } from './memory-limit';
import { isIPv4, readPort } from './ports';
import { ComposeImportError, EnvFileKey, Report, ReportEntry } from './report';
import { looksSecret, valueLooksSecret } from './secret-names';
import { chooseNames } from './service-names';
import { shellQuote, splitWords } from './shell-words';
import { readVolume } from './volumes';
import { LINUX_CAPABILITIES } from '../model/capabilities';
import { buildStack } from '../app/synth';
import { parseConfig } from '../config/load';

/** Where named volumes go on the host: one folder each, beside the built-ins' data directories. */
export const DEFAULT_VOLUMES_DIR = '/persist/containers/compose';

/**
 * The capabilities podman gives a container unless told otherwise (containers.conf
 * default_capabilities, podman 4.x and 5.x): what a compose service without cap_add/cap_drop ran
 * with under podman compose. A declared service keeps only what it lists.
 */
export const PODMAN_DEFAULT_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const;

export interface ImportOptions {
  /** Variables for interpolation (default: this process's environment); the .env beside the file comes after them. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Compose profiles to import besides the services that have none (as `docker compose --profile`). */
  readonly profiles?: readonly string[];
  /** Configuration names for compose services (--rename old=new). */
  readonly renames?: Readonly<Record<string, string>>;
  /** Host folder of named volumes (default DEFAULT_VOLUMES_DIR). */
  readonly volumesDir?: string;
  /** Reads an image's ENTRYPOINT, CMD and HEALTHCHECK (the CLI: podman image inspect); default: none known. */
  readonly inspect?: ImageInspector;
}

export interface ImportedCompose {
  /** The compose file as named. */
  readonly file: string;
  /** Declared services by configuration name, in the compose file's order. */
  readonly services: Record<string, DeclaredService>;
  /** Comments for the written file: per service, per field ('' above the service). */
  readonly comments: Record<string, Record<string, string[]>>;
  /** Every key not carried over as it stood, with its path and why. */
  readonly report: ReportEntry[];
  /** The env-file keys the services receive: the user sets them; their values are written nowhere. */
  readonly envFileKeys: EnvFileKey[];
  /** Per configuration name: the compose keys carried over (in full or in part). */
  readonly carried: Record<string, string[]>;
  /** Compose name -> configuration name, for every imported service. */
  readonly names: Record<string, string>;
}

type Raw = Record<string, unknown>;

const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Why the pod does not take a compose service key: each reason names what the pod does instead. */
const SERVICE_KEY_REASONS: Record<string, string> = {
  container_name: 'containers are named <podName>-<service> by the pod; other services reach it at 127.0.0.1',
  hostname: "the containers of a pod share the pod's hostname",
  domainname: "the containers of a pod share the pod's hostname",
  networks: 'the containers of a pod share one network namespace: services reach each other at 127.0.0.1',
  network_mode: 'the containers of a pod share one network namespace',
  links: 'the containers of a pod share one network namespace: services reach each other at 127.0.0.1',
  external_links: 'the containers of a pod share one network namespace',
  extra_hosts: 'the configuration has no /etc/hosts entries per service',
  dns: "the pod's network decides name resolution",
  dns_search: "the pod's network decides name resolution",
  dns_opt: "the pod's network decides name resolution",
  mac_address: "the pod's network decides addresses",
  labels: 'the pod sets its own labels (podman copies them onto every container)',
  label_file: 'the pod sets its own labels',
  annotations: 'the pod sets its own annotations',
  logging: "every container logs to the pod unit's journal through podman; there is no log driver per service",
  stop_signal: 'the pod stops every container the same way (SIGTERM, then SIGKILL)',
  stop_grace_period: "the pod's unit bounds every stop (TimeoutStopSec)",
  privileged: 'a declared service keeps only the capabilities it lists (capabilities), never all',
  security_opt: 'the pod sets the security options (no-new-privileges, SELinux labels) for every container',
  read_only: 'the configuration has no read-only root filesystem per service',
  tmpfs: 'the configuration has no tmpfs mounts; the files stay in the container',
  shm_size: "the containers of a pod share the pod's /dev/shm (64 MiB)",
  ulimits: "the configuration sets no ulimits per service; podman's defaults apply",
  sysctls: 'the configuration sets no sysctls per service',
  pid: 'the configuration shares no PID namespace with the host',
  ipc: "the containers of a pod share the pod's IPC namespace",
  uts: "the containers of a pod share the pod's UTS namespace",
  userns_mode: 'the pod runs in the user namespace podman gives it',
  cgroup: 'the pod decides the cgroups',
  cgroup_parent: 'the pod decides the cgroups',
  devices: 'the configuration passes no devices into a container',
  device_cgroup_rules: 'the configuration passes no devices into a container',
  gpus: 'the configuration passes no devices into a container',
  init: "the launcher is each container's PID 1 until it execs the command; add an init (tini) to command if the service needs one",
  tty: 'a container of the pod has no terminal',
  stdin_open: 'a container of the pod has no terminal',
  platform: "podman pulls the image for this host's architecture",
  pull_policy: 'install and `image pull` decide when images are pulled',
  working_dir:
    "the configuration has no working directory per service: the image's WORKDIR applies (wrap command in sh -c 'cd DIR && exec ...' if it must differ)",
  cpus: 'the configuration sets no CPU limits (podman kube play ignores CPU requests)',
  cpu_count: 'the configuration sets no CPU limits',
  cpu_percent: 'the configuration sets no CPU limits',
  cpu_shares: 'the configuration sets no CPU limits',
  cpu_period: 'the configuration sets no CPU limits',
  cpu_quota: 'the configuration sets no CPU limits',
  cpu_rt_runtime: 'the configuration sets no CPU limits',
  cpu_rt_period: 'the configuration sets no CPU limits',
  cpuset: 'the configuration sets no CPU limits',
  mem_reservation: 'the configuration sets a memory limit only (memoryLimit)',
  mem_swappiness: 'the configuration sets a memory limit only (memoryLimit)',
  memswap_limit: 'the configuration sets a memory limit only (memoryLimit)',
  oom_kill_disable: 'the configuration sets a memory limit only (memoryLimit)',
  oom_score_adj: 'the configuration sets a memory limit only (memoryLimit)',
  pids_limit: 'the configuration sets no PID limit per service',
  blkio_config: 'the configuration sets no block I/O limits',
  storage_opt: 'the configuration sets no storage options',
  isolation: 'podman has no isolation modes',
  runtime: "the pod runs every container with podman's runtime",
  group_add: 'the configuration has runAs (UID:GID) only, no extra groups',
  volumes_from: "the configuration mounts host paths (mounts), not other containers' volumes",
  credential_spec: 'a Windows-only setting',
  scale: 'the pod runs one container per service',
  attach: 'the pod logs every container to the journal',
  develop: 'compose watch (development sync) has no counterpart',
  post_start: 'the configuration has no lifecycle hooks',
  pre_stop: 'the configuration has no lifecycle hooks',
  provider: 'a compose provider service runs no container',
  models: 'compose models have no counterpart',
  use_api_socket: 'the pod passes no container engine socket',
  extends: 'the importer does not resolve extends: merge the base service into this one, then import again',
};

const TOP_LEVEL_REASONS: Record<string, [kind: 'ignored' | 'refused', reason: string]> = {
  version: ['ignored', 'obsolete: compose itself ignores it'],
  name: ['ignored', 'the compose project name; the pod has its own (podName)'],
  networks: ['refused', 'the containers of a pod share one network namespace: services reach each other at 127.0.0.1'],
  include: ['refused', 'the importer does not read included files: import each file, or merge them (docker compose config) first'],
};

interface Ctx {
  readonly file: string;
  readonly dir: string;
  readonly lookup: VariableLookup;
  readonly report: Report;
  readonly inspect: ImageInspector;
  readonly volumesDir: string;
  readonly topVolumes: Raw;
  readonly topFiles: { secrets: Raw; configs: Raw };
  /** Host names other services used for a service: compose names, container_name, hostname. */
  readonly hosts: string[];
  /** Every service the compose file defines. */
  readonly all: ReadonlySet<string>;
  /** Compose name -> configuration name of every imported service. */
  readonly names: Map<string, string>;
  /** One-shot services (a dependent waits for them to complete) and their own dependencies. */
  readonly oneShots: Map<string, Raw>;
  /** Services left out by profile: compose name -> its profiles. */
  readonly leftOut: Map<string, string[]>;
  readonly unsetVars: Map<string, string>;
  readonly envFileKeys: Map<string, EnvFileKey>;
  /** Per env-file key: value -> where (file and service), to find one key with two values. */
  readonly envFileValues: Map<string, Map<string, string[]>>;
  /** Named volume -> the services that mount it. */
  readonly volumeUsers: Map<string, string[]>;
  /** Configuration name -> the ports its compose service exposes (expose: listened on, not published). */
  readonly exposed: Map<string, number[]>;
  /** Top-level secrets and configs (kind.name) an imported service mounts. */
  readonly fileUsers: Set<string>;
}

/**
 * Reads a compose file and maps it to declared services. Throws ComposeImportError naming every
 * problem (file, path, value, what is allowed) when something cannot be read; what it can read but
 * not carry over is in the report, never dropped silently.
 */
export function importCompose(file: string, options: ImportOptions = {}): ImportedCompose {
  const report = new Report();
  const text = readText(file);
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new ComposeImportError(
      file,
      doc.errors.map((e) => ({ path: '', value: undefined, allowed: `the file is not valid YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  const root: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (!isMap(root)) throw new ComposeImportError(file, [{ path: '', value: root, allowed: 'a compose file is a YAML mapping with services' }]);
  if (!isMap(root.services))
    throw new ComposeImportError(file, [{ path: 'services', value: root.services, allowed: 'must be a mapping of service names to services' }]);

  const dir = dirname(resolve(file));
  const env = options.env ?? process.env;
  const dotenv = readDotenv(dir, report);
  const lookup: VariableLookup = (name) => env[name] ?? dotenv.get(name);

  for (const key of Object.keys(root)) {
    if (['services', 'volumes', 'secrets', 'configs'].includes(key)) continue;
    if (key.startsWith('x-')) report.add('ignored', key, 'an extension field: read only where YAML anchors bring it into a service');
    else if (TOP_LEVEL_REASONS[key]) report.add(TOP_LEVEL_REASONS[key][0], key, TOP_LEVEL_REASONS[key][1]);
    else report.add('refused', key, 'not a top-level key of the compose specification the importer knows');
  }

  const services = root.services;
  const selected = new Set(options.profiles ?? []);
  const leftOut = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(services)) {
    if (!isMap(raw)) {
      report.problem(`services.${name}`, raw, 'must be a mapping (image, command, ...)');
      continue;
    }
    const profiles = Array.isArray(raw.profiles) ? raw.profiles.map(String) : [];
    if (profiles.length && !profiles.some((p) => selected.has(p))) {
      leftOut.set(name, profiles);
      report.add('ignored', `services.${name}`, `only in profile ${profiles.join(', ')}: not imported (import it with --profile ${profiles[0]})`);
    }
  }
  const included = Object.keys(services).filter((n) => isMap(services[n]) && !leftOut.has(n));

  // A service others wait for to complete is a one-shot (a migration, an init job): the pod restarts
  // every container that exits (restartPolicy Always) and has no init containers it can rely on.
  const oneShots = new Map<string, Raw>();
  for (const name of included) {
    for (const [dep, condition] of dependencies((services[name] as Raw).depends_on)) {
      if (condition === 'service_completed_successfully' && isMap(services[dep])) oneShots.set(dep, services[dep] as Raw);
    }
  }
  const imported = included.filter((n) => !oneShots.has(n));
  const names = new Map<string, string>();
  for (const [original, choice] of chooseNames(imported, options.renames)) {
    if (choice.problem) report.problem(`services.${original}`, original, choice.problem);
    else {
      names.set(original, choice.name!);
      if (choice.changed) report.add('changed', `services.${original}`, choice.changed);
    }
  }
  const hosts = new Set(Object.keys(services));
  for (const raw of Object.values(services)) {
    if (!isMap(raw)) continue;
    for (const k of ['container_name', 'hostname']) if (typeof raw[k] === 'string') hosts.add(raw[k] as string);
  }

  const ctx: Ctx = {
    file,
    dir,
    lookup,
    report,
    inspect: options.inspect ?? NO_IMAGES,
    volumesDir: options.volumesDir ?? DEFAULT_VOLUMES_DIR,
    topVolumes: isMap(root.volumes) ? root.volumes : {},
    topFiles: { secrets: isMap(root.secrets) ? root.secrets : {}, configs: isMap(root.configs) ? root.configs : {} },
    hosts: [...hosts],
    all: new Set(Object.keys(services)),
    names,
    oneShots,
    leftOut,
    unsetVars: new Map(),
    envFileKeys: new Map(),
    envFileValues: new Map(),
    volumeUsers: new Map(),
    exposed: new Map(),
    fileUsers: new Set(),
  };

  for (const name of oneShots.keys()) {
    report.add(
      'refused',
      `services.${name}`,
      "a one-shot (others wait for it with service_completed_successfully): the pod restarts every container that exits (restartPolicy Always) and its watchdog starts a stopped one, so it would run again and again; its dependents are ordered after its own dependencies instead. Run its work before the pod starts, or at the start of a dependent's command (sh -c 'job && exec server')",
    );
  }

  const out: Record<string, DeclaredService> = {};
  const comments: Record<string, Record<string, string[]>> = {};
  const carried: Record<string, string[]> = {};
  for (const original of imported) {
    const name = names.get(original);
    if (!name) continue;
    const mapped = mapService(original, services[original] as Raw, ctx);
    out[name] = mapped.service;
    comments[name] = mapped.comments;
    carried[name] = mapped.carried;
  }

  portClashes(out, comments, ctx, report);
  sharedFolders(out, comments, report);
  for (const volume of Object.keys(ctx.topVolumes)) {
    if (!ctx.volumeUsers.has(volume)) report.add('ignored', `volumes.${volume}`, 'no imported service mounts it');
  }
  for (const kind of ['secrets', 'configs'] as const) {
    if (root[kind] !== undefined && !isMap(root[kind])) report.problem(kind, root[kind], 'must be a mapping of names to { file: PATH }');
    for (const name of Object.keys(ctx.topFiles[kind])) {
      if (!ctx.fileUsers.has(`${kind}.${name}`)) report.add('ignored', `${kind}.${name}`, 'no imported service uses it');
    }
  }
  for (const [variable, path] of ctx.unsetVars) {
    report.add('changed', path, `\${${variable}} is not set (environment, .env beside the file): replaced by "" as compose does`);
  }
  for (const [key, values] of ctx.envFileValues) {
    if (values.size < 2) continue;
    const where = [...values.values()].map((w) => w.join(', ')).join(' / ');
    report.add(
      'todo',
      `env_file ${key}`,
      `${key} has different values in ${where}: the pod reads one env file, where a key has one value; give one service's key another name (and make the service read it)`,
    );
  }
  if (report.problems.length) throw new ComposeImportError(file, report.problems);
  return {
    file,
    services: out,
    comments,
    report: report.entries,
    envFileKeys: [...ctx.envFileKeys.values()].sort((a, b) => a.key.localeCompare(b.key)),
    carried,
    names: Object.fromEntries(names),
  };
}

/**
 * The ports the built-in services listen on inside the pod and publish on the host, read from the
 * stack itself (its defaults, Graphiti on: it may be turned on later): a declared service that
 * binds one of them cannot run beside that service.
 */
export function builtInPorts(): Map<number, string> {
  const ports = new Map<number, string>();
  const config = parseConfig({ services: { graphiti: { enabled: true } } });
  for (const spec of buildStack(config).services.map((s) => s.spec)) {
    for (const p of spec.ports) {
      ports.set(p.containerPort, `the built-in ${spec.name} (${p.configField})`);
      if (p.hostPort !== undefined && !ports.has(p.hostPort)) ports.set(p.hostPort, `the built-in ${spec.name}'s host port (${p.configField})`);
    }
  }
  return ports;
}

/**
 * In compose each service has its own network namespace, so two may listen on one port; in a pod
 * they share one, and a port can be bound once. Names every clash (with the built-ins too), in the
 * report and as a TODO above each clashing service's ports.
 */
function portClashes(services: Record<string, DeclaredService>, comments: Record<string, Record<string, string[]>>, ctx: Ctx, report: Report): void {
  const composeName = new Map([...ctx.names].map(([original, name]) => [name, original]));
  const builtIn = builtInPorts();
  const byPort = new Map<number, string[]>();
  for (const [name, s] of Object.entries(services)) {
    const ports = new Set([
      ...(s.ports ?? []).flatMap((p) => [p.containerPort, ...(p.hostPort !== undefined && p.hostPort !== p.containerPort ? [p.hostPort] : [])]),
      ...(s.health?.tcp ? [s.health.tcp] : []),
      ...(ctx.exposed.get(name) ?? []),
    ]);
    for (const p of ports) byPort.set(p, [...(byPort.get(p) ?? []), name]);
  }
  for (const [port, names] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const other = builtIn.get(port);
    if (names.length < 2 && !other) continue;
    const who = [...names, ...(other ? [other] : [])];
    const why = `port ${port} is listened on by ${who.join(' and ')}: the containers of a pod share one network namespace and the host one set of ports, so each port can be bound once`;
    report.add(
      'todo',
      `services.${composeName.get(names[0]) ?? names[0]}.ports`,
      `${why}; move all but one to another port (in the service's own configuration, then in ports)`,
    );
    for (const name of other ? names : names.slice(1)) ((comments[name] ??= {}).ports ??= []).push(`TODO: ${why}: move this one`);
  }
}

/**
 * Compose lets services share a folder (a named volume, a bind mount); the pod's data directories
 * are each one service's own (install creates it for that service, and hands it to its user), so
 * the first service that keeps data in a folder owns it and the others mount it as a plain folder.
 */
function sharedFolders(services: Record<string, DeclaredService>, comments: Record<string, Record<string, string[]>>, report: Report): void {
  const owners: Array<{ path: string; service: string }> = [];
  const within = (a: string, b: string) => a === b || a.startsWith(`${b.replace(/\/$/, '')}/`);
  for (const [name, s] of Object.entries(services)) {
    for (const m of s.mounts ?? []) {
      if (!m.persistent) continue;
      const owner = owners.find((o) => within(m.hostPath, o.path) || within(o.path, m.hostPath));
      if (!owner) {
        owners.push({ path: m.hostPath, service: name });
        continue;
      }
      m.persistent = false;
      ((comments[name] ??= {}).mounts ??= []).push(
        `${m.hostPath}: shared with ${owner.service}, whose data directory it is (install makes it for ${owner.service}); mounted here as a plain folder`,
      );
      report.add(
        'changed',
        `services.${name}.volumes`,
        `${m.hostPath} is shared with ${owner.service}: a data directory of ${owner.service}'s, mounted here as a plain folder`,
      );
    }
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComposeImportError(file, [{ path: '', value: file, allowed: `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? e})` }]);
  }
}

/** The .env beside the compose file, as compose reads it for interpolation. */
function readDotenv(dir: string, report: Report): Map<string, string> {
  const path = resolve(dir, '.env');
  if (!existsSync(path)) return new Map();
  const { lines, bad } = parseDotenv(readFileSync(path, 'utf8'));
  for (const line of bad) report.add('ignored', `.env line ${line}`, 'not KEY=VALUE: skipped, as compose would refuse it');
  return new Map(lines.map((l) => [l.key, l.value]));
}

/** depends_on as [service, condition, entry] whatever its form (list, or map with condition). */
function dependencies(raw: unknown): Array<[string, string, Raw]> {
  if (Array.isArray(raw)) return raw.map((d) => [String(d), 'service_started', {}]);
  if (isMap(raw)) {
    return Object.entries(raw).map(([d, v]) => [d, isMap(v) && typeof v.condition === 'string' ? v.condition : 'service_started', isMap(v) ? v : {}]);
  }
  return [];
}

interface Mapped {
  service: DeclaredService;
  comments: Record<string, string[]>;
  carried: string[];
}

function mapService(original: string, raw: Raw, ctx: Ctx): Mapped {
  const name = ctx.names.get(original)!;
  const at = `services.${original}`;
  const service: DeclaredService = {};
  const comments: Record<string, string[]> = {};
  const carried: string[] = [];
  const note = (field: string, text: string) => (comments[field] ??= []).push(text);
  const secretKeys = new Set<string>();
  const addSecret = (key: string, from: string) => {
    secretKeys.add(key);
    const entry = ctx.envFileKeys.get(key) ?? { key, uses: [] };
    if (!entry.uses.some((u) => u.service === name && u.from === from)) entry.uses.push({ service: name, from });
    ctx.envFileKeys.set(key, entry);
  };
  const interp = (value: unknown, path: string, markers = false): string | undefined => {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      ctx.report.problem(path, value, 'must be a string');
      return undefined;
    }
    try {
      // In a command or health check, a secret variable (by its name, or by a value such as a URL
      // with a password) stays a reference the container's shell fills in at run time.
      const secretVar = (n: string) => looksSecret(n) || valueLooksSecret(ctx.lookup(n) ?? '');
      const r = interpolate(value, ctx.lookup, markers ? { instead: (n) => (secretVar(n) ? `\0${n}\0` : undefined) } : {});
      for (const v of r.unset) if (!ctx.unsetVars.has(v)) ctx.unsetVars.set(v, path);
      return r.text;
    } catch (e) {
      if (e instanceof InterpolationError) ctx.report.problem(path, value, e.message);
      else throw e;
      return undefined;
    }
  };

  for (const key of Object.keys(raw)) {
    if (key.startsWith('x-')) ctx.report.add('ignored', `${at}.${key}`, 'an extension field: nothing to carry');
    else if (SERVICE_KEY_REASONS[key]) ctx.report.add('refused', `${at}.${key}`, SERVICE_KEY_REASONS[key]);
    else if (!HANDLED_KEYS.has(key)) ctx.report.add('refused', `${at}.${key}`, 'not a service key of the compose specification the importer knows');
  }

  if (raw.expose !== undefined) {
    const exposed = (Array.isArray(raw.expose) ? raw.expose : [])
      .map((e) => Number(String(e).split('/')[0]))
      .filter((n) => Number.isInteger(n) && n > 0 && n < 65536);
    ctx.exposed.set(name, exposed);
    ctx.report.add('ignored', `${at}.expose`, 'the containers of a pod share localhost: every port a service listens on is open to the others already');
  }
  if (raw.profiles !== undefined) ctx.report.add('ignored', `${at}.profiles`, 'imported: its profile was selected (--profile)');

  // image (and build)
  let image: string | undefined;
  if (raw.image !== undefined) {
    const text = interp(raw.image, `${at}.image`);
    if (text !== undefined) {
      const q = qualifyImage(text);
      if ('problem' in q) ctx.report.problem(`${at}.image`, text, q.problem);
      else {
        image = q.image;
        carried.push('image');
        if (q.image !== text)
          ctx.report.add('changed', `${at}.image`, `${text} written fully qualified: ${q.image} (podman does not guess registries without a terminal)`);
        if (q.unpinned) {
          note('image', `TODO: pin a version: ${q.unpinned}`);
          ctx.report.add('todo', `${at}.image`, `${q.unpinned}; write a version tag or a digest`);
        }
      }
    }
  }
  if (raw.build !== undefined) {
    const context = typeof raw.build === 'string' ? raw.build : isMap(raw.build) && typeof raw.build.context === 'string' ? raw.build.context : '.';
    const contextPath = relative(process.cwd(), resolve(ctx.dir, context)) || '.';
    if (!image) image = `localhost/${name}:imported`;
    note('image', `TODO: compose builds this image: podman build -t ${image} ${contextPath}`);
    ctx.report.add('todo', `${at}.build`, `compose builds the image; build it with podman before install: podman build -t ${image} ${contextPath}`);
  }
  if (!image && raw.image === undefined && raw.build === undefined) ctx.report.problem(`${at}.image`, undefined, 'a service needs image (or build)');
  if (image) service.image = image;
  const imageConfig = image && raw.build === undefined ? ctx.inspect(image) : undefined;

  // command and entrypoint
  mapCommand(raw, at, image, imageConfig, service, note, ctx, interp, addSecret, carried);

  // environment and env_file
  mapEnvironment(raw, at, name, service, note, ctx, interp, addSecret, carried);

  // ports
  if (raw.ports !== undefined) {
    if (!Array.isArray(raw.ports)) ctx.report.problem(`${at}.ports`, raw.ports, 'must be a list');
    else {
      const ports: DeclaredPort[] = [];
      const everyInterface: number[] = [];
      raw.ports.forEach((entry, i) => {
        const path = `${at}.ports[${i}]`;
        const text = typeof entry === 'string' ? interp(entry, path) : entry;
        if (text === undefined) return;
        const reading = readPort(text);
        if ('problem' in reading) return ctx.report.problem(path, text, reading.problem);
        if ('refused' in reading) return ctx.report.add('refused', path, reading.refused);
        const p = reading.port;
        const port: DeclaredPort = { containerPort: p.target };
        if (p.published !== undefined) port.hostPort = p.published;
        if (p.hostIP && isIPv4(p.hostIP)) port.hostIP = p.hostIP;
        else if (p.hostIP)
          ctx.report.add('changed', path, `host address ${p.hostIP}: the configuration takes IPv4 addresses; published on the pod's bindAddress instead`);
        else if (p.published !== undefined) everyInterface.push(p.published);
        if (p.name) {
          if (/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(p.name) && /[a-z]/.test(p.name)) port.name = p.name;
          else ctx.report.add('refused', `${path}.name`, 'a port name is 1-15 lowercase letters, digits and - (an IANA service name)');
        }
        for (const k of p.unused) ctx.report.add('ignored', `${path}.${k}`, 'no meaning for a port of a pod (one host, no swarm)');
        if (p.published === undefined) {
          ctx.report.add(
            'changed',
            path,
            `container port ${p.target} without a host port: compose published it on a random host port; here it is not published (set hostPort to publish it)`,
          );
        }
        if (ports.some((q) => q.containerPort === port.containerPort && q.hostPort === port.hostPort)) return;
        ports.push(port);
      });
      if (everyInterface.length) {
        const text = `host port${everyInterface.length > 1 ? 's' : ''} ${everyInterface.join(', ')}: compose publishes on every interface (0.0.0.0); here on the pod's bindAddress (127.0.0.1 unless set). Set hostIP: 0.0.0.0 to publish beyond this host`;
        ctx.report.add('changed', `${at}.ports`, text);
        note('ports', `compose published ${everyInterface.join(', ')} on every interface; here on bindAddress (127.0.0.1 unless set)`);
      }
      if (ports.length) {
        service.ports = ports;
        carried.push('ports');
      }
    }
  }

  // health
  mapHealth(raw, at, service, note, ctx, interp, addSecret, imageConfig, carried);

  // after
  mapDependsOn(raw, at, service, note, ctx, carried);

  // mounts: volumes, secrets, configs
  mapMounts(raw, at, original, service, note, ctx, interp, carried);

  // restart
  if (raw.restart !== undefined) mapRestart(raw.restart, `${at}.restart`, ctx, carried);

  // memory
  if (raw.mem_limit !== undefined) {
    const q = memoryQuantity(typeof raw.mem_limit === 'string' ? interp(raw.mem_limit, `${at}.mem_limit`) : raw.mem_limit);
    if (!q) ctx.report.problem(`${at}.mem_limit`, raw.mem_limit, 'must be a size such as 512m or 1g');
    else {
      service.memoryLimit = q;
      carried.push('mem_limit');
    }
  }
  if (raw.deploy !== undefined) mapDeploy(raw.deploy, `${at}.deploy`, service, ctx, carried, raw.mem_limit !== undefined);

  // user
  if (raw.user !== undefined) {
    const text = interp(raw.user, `${at}.user`);
    if (text !== undefined) {
      if (/^\d{1,10}:\d{1,10}$/.test(text) && !/^0+:[1-9]/.test(text)) {
        service.runAs = text;
        carried.push('user');
      } else if (/^\d{1,10}$/.test(text)) {
        ctx.report.add(
          'todo',
          `${at}.user`,
          `"${text}" names a user but no group: write runAs: ${text}:GID (the group compose would take comes from the image's /etc/passwd)`,
        );
        note('runAs', `TODO: compose ran it as user ${text}; write runAs: ${text}:GID`);
      } else {
        ctx.report.add(
          'refused',
          `${at}.user`,
          `"${text}": runAs takes numbers (UID:GID): names are only known inside the image; find them with podman run --rm --entrypoint id IMAGE ${text.split(':')[0]}`,
        );
      }
    }
  }

  // capabilities
  mapCapabilities(raw, at, service, note, ctx, carried);

  if (secretKeys.size) service.secretKeys = [...secretKeys].sort();
  return { service, comments, carried };
}

const HANDLED_KEYS = new Set([
  'image',
  'build',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'ports',
  'expose',
  'healthcheck',
  'depends_on',
  'volumes',
  'secrets',
  'configs',
  'restart',
  'mem_limit',
  'deploy',
  'user',
  'cap_add',
  'cap_drop',
  'profiles',
]);

type Interp = (value: unknown, path: string, markers?: boolean) => string | undefined;
type Note = (field: string, text: string) => void;
type AddSecret = (key: string, from: string) => void;

/** A command (string: split as compose splits it, after interpolation; list: each word interpolated). */
function words(value: unknown, path: string, ctx: Ctx, interp: Interp): string[] | undefined {
  if (value === null) return [];
  if (typeof value === 'string') {
    const text = interp(value, path, true);
    if (text === undefined) return undefined;
    try {
      return splitWords(text);
    } catch (e) {
      ctx.report.problem(path, value, `cannot be split into words: ${(e as Error).message}`);
      return undefined;
    }
  }
  if (Array.isArray(value)) {
    const out = value.map((w, i) => interp(w, `${path}[${i}]`, true));
    return out.every((w): w is string => w !== undefined) ? out : undefined;
  }
  ctx.report.problem(path, value, 'must be a string or a list of strings');
  return undefined;
}

/** Secret variables referenced in words (marked \0NAME\0 by interpolation). */
function markedSecrets(ws: readonly string[]): string[] {
  return [...new Set(ws.flatMap((w) => [...w.matchAll(/\0([A-Za-z_][A-Za-z0-9_]*)\0/g)].map((m) => m[1])))];
}

/** One word for sh -c, its secret references as "${NAME}" (the container's environment has them). */
function shellWord(word: string): string {
  return word
    .split('\0')
    .map((part, i) => (i % 2 ? `"\${${part}}"` : part === '' ? '' : shellQuote(part)))
    .join('');
}

function unmark(word: string): string {
  return word.replace(/\0([A-Za-z_][A-Za-z0-9_]*)\0/g, '${$1}');
}

function mapCommand(
  raw: Raw,
  at: string,
  image: string | undefined,
  imageConfig: ImageConfig | undefined,
  service: DeclaredService,
  note: Note,
  ctx: Ctx,
  interp: Interp,
  addSecret: AddSecret,
  carried: string[],
): void {
  const entrypoint = raw.entrypoint === undefined ? undefined : words(raw.entrypoint, `${at}.entrypoint`, ctx, interp);
  const command = raw.command === undefined ? undefined : words(raw.command, `${at}.command`, ctx, interp);
  if ((raw.entrypoint !== undefined && !entrypoint) || (raw.command !== undefined && !command)) return;
  if (raw.entrypoint !== undefined) carried.push('entrypoint');
  if (raw.command !== undefined) carried.push('command');
  const inspectLine = `podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${image ?? 'IMAGE'}`;
  let cmd: string[] | undefined;
  let args: string[] = [];
  let unknown: string | undefined;
  if (entrypoint && entrypoint.length) {
    // Compose: an entrypoint replaces the image's ENTRYPOINT and drops its CMD.
    cmd = entrypoint;
    args = command ?? [];
  } else if (command && command.length) {
    if (imageConfig) {
      cmd = imageConfig.entrypoint.length ? [...imageConfig.entrypoint] : command;
      args = imageConfig.entrypoint.length ? command : [];
      ctx.report.add(
        'changed',
        `${at}.command`,
        `command is the image's ENTRYPOINT ${JSON.stringify(imageConfig.entrypoint)} (podman image inspect ${image}), args compose's command`,
      );
    } else {
      args = command;
      unknown = `compose gave only the arguments (command): the image's ENTRYPOINT is not known here (the image is not on this host): ${inspectLine}`;
    }
  } else if (imageConfig && imageConfig.entrypoint.length + imageConfig.cmd.length) {
    cmd = [...imageConfig.entrypoint, ...imageConfig.cmd];
    ctx.report.add(
      'changed',
      at,
      `command is the image's ENTRYPOINT + CMD ${JSON.stringify(cmd)} (podman image inspect ${image}): compose ran the image's own`,
    );
  } else {
    unknown = `compose ran the image's own ENTRYPOINT and CMD, which are not known here (the image is not on this host): ${inspectLine}`;
  }
  const secrets = markedSecrets([...(cmd ?? []), ...args]);
  for (const s of secrets) addSecret(s, 'command');
  if (cmd) {
    if (secrets.length) {
      // The launcher execs command + args without a shell: a secret read at run time needs one.
      service.command = ['/bin/sh', '-c', `exec ${[...cmd, ...args].map(shellWord).join(' ')}`];
      ctx.report.add(
        'changed',
        `${at}.command`,
        `reads ${secrets.join(', ')} (a secret, from the env file at run time): written as /bin/sh -c 'exec ...' so that the value is never in the configuration`,
      );
      note('command', `reads ${secrets.join(', ')} from the env file at run time (a secret)`);
    } else {
      service.command = cmd;
      if (args.length) service.args = args;
    }
  } else {
    if (args.length) service.args = args.map(unmark);
    note('command', `TODO: command: the image's ENTRYPOINT${args.length ? '' : ' + CMD'} (${inspectLine})`);
    if (secrets.length) note('args', `TODO: reads ${secrets.join(', ')} (a secret): once command is known, write both as [/bin/sh, -c, 'exec ... "\${NAME}"']`);
    ctx.report.add(
      'todo',
      `${at}.command`,
      `${unknown}; the configuration's validation refuses the service until command is set (or import again where podman has the image)`,
    );
  }
  if ([...(service.command ?? []), ...(service.args ?? [])].some((w) => valueLooksSecret(w))) {
    ctx.report.add(
      'todo',
      `${at}.command`,
      'a word of the command is a URL with a password, written in the compose file itself: it is in the configuration as it was; move it to the env file and read it from there',
    );
  }
  for (const list of [service.command, service.args]) {
    list?.forEach((w, i) => {
      const r = rewriteHosts(w, ctx.hosts, '', true);
      if (r.named.length) {
        list[i] = r.text;
        ctx.report.add('changed', `${at}.command`, `names ${r.named.join(', ')} as a host: written as 127.0.0.1 (the containers of a pod share one network)`);
      }
    });
  }
}

function mapEnvironment(
  raw: Raw,
  at: string,
  name: string,
  service: DeclaredService,
  note: Note,
  ctx: Ctx,
  interp: Interp,
  addSecret: AddSecret,
  carried: string[],
): void {
  const entries: Array<[string, unknown]> = [];
  if (Array.isArray(raw.environment)) {
    raw.environment.forEach((e, i) => {
      if (typeof e !== 'string') return ctx.report.problem(`${at}.environment[${i}]`, e, 'must be KEY=VALUE or KEY');
      const eq = e.indexOf('=');
      entries.push(eq < 0 ? [e, null] : [e.slice(0, eq), e.slice(eq + 1)]);
    });
  } else if (isMap(raw.environment)) {
    entries.push(...Object.entries(raw.environment));
  } else if (raw.environment !== undefined && raw.environment !== null) {
    ctx.report.problem(`${at}.environment`, raw.environment, 'must be a list of KEY=VALUE or a mapping');
  }
  const env: Record<string, string> = {};
  const secretsHere: string[] = [];
  const rewritten: string[] = [];
  for (const [key, value] of entries) {
    const path = `${at}.environment.${key}`;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      ctx.report.problem(path, key, 'an environment variable name is letters, digits and _');
      continue;
    }
    if (value === null || value === undefined) {
      addSecret(key, 'environment (compose passed it on from its own environment)');
      secretsHere.push(key);
      continue;
    }
    if (isMap(value) || Array.isArray(value)) {
      ctx.report.problem(path, value, 'must be a string, a number or a boolean');
      continue;
    }
    // A secret's value is never read (not even interpolated): only its name goes to secretKeys.
    const rawText = String(value);
    const secretVars = referencedVariables(rawText).filter(looksSecret);
    let secret = looksSecret(key) || secretVars.length > 0;
    let text: string | undefined;
    if (!secret) {
      text = interp(value, path);
      if (text === undefined) continue;
      secret = valueLooksSecret(text);
    }
    if (secret) {
      addSecret(key, 'environment');
      secretsHere.push(key);
      const named = rewriteHosts(text ?? rawText, ctx.hosts, key).named;
      if (named.length) {
        ctx.report.add(
          'todo',
          path,
          `a secret whose value names ${named.join(', ')} as a host: in the env file write 127.0.0.1 there (the containers of a pod share one network)`,
        );
      }
      continue;
    }
    const r = rewriteHosts(text!, ctx.hosts, key);
    if (r.named.length) rewritten.push(`${key} (${r.named.join(', ')})`);
    env[key] = r.text;
  }
  if (entries.length) carried.push('environment');
  if (rewritten.length) {
    ctx.report.add('changed', `${at}.environment`, `hosts written as 127.0.0.1 (the containers of a pod share one network): ${rewritten.join(', ')}`);
    note('env', `compose service names written as 127.0.0.1: ${rewritten.join(', ')}`);
  }
  if (secretsHere.length) {
    ctx.report.add(
      'changed',
      `${at}.environment`,
      `secret${secretsHere.length > 1 ? 's' : ''} moved to secretKeys (set in the env file; values not written): ${secretsHere.join(', ')}`,
    );
  }

  // env_file: the keys go to secretKeys (the pod reads one env file); its values are never written.
  if (raw.env_file !== undefined) {
    const files = Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
    files.forEach((f, i) => {
      const path = Array.isArray(raw.env_file) ? `${at}.env_file[${i}]` : `${at}.env_file`;
      const spec = isMap(f) ? f.path : f;
      const required = isMap(f) ? f.required !== false : true;
      const text = interp(spec, path);
      if (text === undefined) return;
      const full = resolve(ctx.dir, text);
      const shown = relative(ctx.dir, full) || text;
      if (!existsSync(full)) {
        ctx.report.add(
          'todo',
          path,
          `${shown} is not there${required ? '' : ' (required: false)'}: its keys are unknown; add them to secretKeys and the env file by hand`,
        );
        note('secretKeys', `TODO: add the keys of ${shown} (not found at import)`);
        return;
      }
      const { lines, bad } = parseDotenv(readFileSync(full, 'utf8'));
      for (const line of bad) ctx.report.add('refused', `${path} (${shown} line ${line})`, 'not KEY=VALUE');
      const hostKeys: string[] = [];
      const lower: string[] = [];
      for (const { key, value } of lines) {
        if (key in env) continue; // environment wins over env_file, in compose too
        addSecret(key, shown);
        const where = ctx.envFileValues.get(key) ?? new Map<string, string[]>();
        const at2 = `${shown} (${name})`;
        where.set(value, [...(where.get(value) ?? []), at2]);
        ctx.envFileValues.set(key, where);
        if (rewriteHosts(value, ctx.hosts, key).named.length) hostKeys.push(key);
        if (/[a-z]/.test(key)) lower.push(key);
      }
      carried.push('env_file');
      ctx.report.add(
        'changed',
        path,
        `the ${lines.length} keys of ${shown} go to secretKeys: copy its lines into the pod's env file (envFile); no value is written into the configuration`,
      );
      if (hostKeys.length) {
        ctx.report.add(
          'todo',
          path,
          `${shown}: ${hostKeys.join(', ')} name compose services as hosts: in the pod's env file write 127.0.0.1 (the containers of a pod share one network)`,
        );
      }
      if (lower.length) ctx.report.add('todo', path, `${shown}: ${lower.join(', ')}: the pod's env file takes upper-case keys only ([A-Z_][A-Z0-9_]*)`);
    });
  }
  if (Object.keys(env).length) service.env = env;
}

function mapHealth(
  raw: Raw,
  at: string,
  service: DeclaredService,
  note: Note,
  ctx: Ctx,
  interp: Interp,
  addSecret: AddSecret,
  imageConfig: ImageConfig | undefined,
  carried: string[],
): void {
  const hc = raw.healthcheck;
  const path = `${at}.healthcheck`;
  if (hc !== undefined && !isMap(hc)) {
    ctx.report.problem(path, hc, 'must be a mapping (test, interval, timeout, retries, start_period)');
    return;
  }
  if (hc && (hc.disable === true || (Array.isArray(hc.test) && hc.test[0] === 'NONE'))) {
    ctx.report.add('changed', path, 'disabled: no health check, but the pod starts dependents once a service is healthy: see the TODO in the file');
    note('health', 'TODO: compose disabled the health check; the pod orders its services by health: add one (tcp, http, resp or command)');
    carried.push('healthcheck');
    return;
  }
  const health: DeclaredHealth = {};
  if (hc && hc.test !== undefined) {
    const test = hc.test;
    let cmd: string[] | undefined;
    if (typeof test === 'string') {
      const text = interp(test, `${path}.test`, true);
      if (text !== undefined) cmd = ['/bin/sh', '-c', unmark(text)];
    } else if (Array.isArray(test) && (test[0] === 'CMD' || test[0] === 'CMD-SHELL')) {
      const rest = test.slice(1).map((w, i) => interp(w, `${path}.test[${i + 1}]`, true));
      if (rest.every((w): w is string => w !== undefined)) {
        if (test[0] === 'CMD-SHELL') cmd = ['/bin/sh', '-c', unmark(rest.join(' '))];
        else cmd = markedSecrets(rest).length ? ['/bin/sh', '-c', `exec ${rest.map(shellWord).join(' ')}`] : rest;
      }
    } else {
      ctx.report.problem(`${path}.test`, test, 'must be a string, or a list starting with CMD, CMD-SHELL or NONE');
    }
    if (!cmd) return;
    const secrets = [...new Set(cmd.flatMap((w) => [...w.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter(looksSecret)))];
    for (const s of secrets) addSecret(s, 'healthcheck');
    if (secrets.length) note('health', `reads ${secrets.join(', ')} from the environment when it runs: the health check must see the service's env-file keys`);
    health.command = cmd;
    for (const [key, field] of [
      ['interval', 'intervalSeconds'],
      ['timeout', 'timeoutSeconds'],
      ['start_period', 'startPeriodSeconds'],
    ] as const) {
      if (hc[key] === undefined) continue;
      const text = interp(hc[key], `${path}.${key}`);
      if (text === undefined) continue;
      const s = durationSeconds(text);
      if (s === undefined) {
        ctx.report.problem(`${path}.${key}`, hc[key], 'must be a duration such as 30s, 1m30s or 500ms');
        continue;
      }
      if (s === 0 && key === 'start_period') continue;
      health[field] = wholeSeconds(s);
      if (health[field] !== s)
        ctx.report.add('changed', `${path}.${key}`, `${text} rounded up to ${health[field]} s (the configuration takes whole seconds, at least 1)`);
    }
    if (hc.retries !== undefined) {
      if (typeof hc.retries === 'number' && Number.isInteger(hc.retries) && hc.retries >= 1) health.retries = hc.retries;
      else ctx.report.problem(`${path}.retries`, hc.retries, 'must be a whole number from 1');
    }
    if (hc.start_interval !== undefined)
      ctx.report.add('refused', `${path}.start_interval`, 'the pod checks at one interval (the launcher polls every 0.1 s while the service starts)');
    for (const k of Object.keys(hc)) {
      if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'].includes(k))
        ctx.report.problem(`${path}.${k}`, hc[k], 'not a healthcheck key (test, interval, timeout, retries, start_period, start_interval, disable)');
    }
    carried.push('healthcheck');
    service.health = health;
    return;
  }
  // No test in the compose file: the image's own HEALTHCHECK ran under compose.
  if (imageConfig?.healthcheck) {
    const h = imageConfig.healthcheck;
    const [kind, ...rest] = h.test;
    if (kind === 'CMD' || kind === 'CMD-SHELL') {
      service.health = {
        command: kind === 'CMD' ? rest : ['/bin/sh', '-c', rest.join(' ')],
        ...(h.intervalSeconds ? { intervalSeconds: h.intervalSeconds } : {}),
        ...(h.timeoutSeconds ? { timeoutSeconds: h.timeoutSeconds } : {}),
        ...(h.retries ? { retries: h.retries } : {}),
        ...(h.startPeriodSeconds ? { startPeriodSeconds: h.startPeriodSeconds } : {}),
      };
      ctx.report.add('changed', path, "the image's own HEALTHCHECK (podman image inspect), which compose ran");
      if (hc) carried.push('healthcheck');
      return;
    }
  }
  if (hc) ctx.report.add('ignored', path, "no test: compose ran the image's own HEALTHCHECK, which is not known here");
  const port = service.ports?.[0]?.containerPort ?? firstExposed(raw.expose);
  if (port !== undefined) {
    service.health = { tcp: port };
    note(
      'health',
      `TODO: compose had no health check here; a TCP check of port ${port} is written (the pod orders services by health): check it fits, and name the image's tool for it in tools (bash or nc)`,
    );
    ctx.report.add(
      'todo',
      path,
      `no health check: a TCP check of port ${port} written (the pod starts dependents once a service is healthy); check it fits, or write http, resp or command`,
    );
  } else {
    note('health', 'TODO: no health check (compose had none): the pod starts dependents once a service is healthy; write tcp, http, resp or command');
    ctx.report.add('todo', path, 'no health check and no port to check: write one (tcp, http, resp or command)');
  }
}

function firstExposed(expose: unknown): number | undefined {
  const first = Array.isArray(expose) ? expose[0] : undefined;
  const n = Number(String(first ?? '').split('/')[0]);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function mapDependsOn(raw: Raw, at: string, service: DeclaredService, note: Note, ctx: Ctx, carried: string[]): void {
  if (raw.depends_on === undefined) return;
  if (!Array.isArray(raw.depends_on) && !isMap(raw.depends_on)) {
    ctx.report.problem(`${at}.depends_on`, raw.depends_on, 'must be a list of services or a mapping of services to { condition }');
    return;
  }
  const after: string[] = [];
  const startedOnly: string[] = [];
  const visit = (deps: Array<[string, string, Raw]>, from: string, via?: string) => {
    for (const [dep, condition, entry] of deps) {
      const path = `${from}.depends_on.${dep}`;
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition)) {
        ctx.report.problem(`${path}.condition`, condition, 'must be service_started, service_healthy or service_completed_successfully');
        continue;
      }
      if (via) {
        // A dependency of a one-shot: the dependent waits for it in its place.
        if (ctx.names.has(dep)) after.push(ctx.names.get(dep)!);
        continue;
      }
      if (ctx.oneShots.has(dep)) {
        const own = dependencies(ctx.oneShots.get(dep)!.depends_on);
        ctx.report.add(
          'refused',
          path,
          `${dep} runs once to completion (a one-shot, not imported)${own.length ? `: ordered after its dependencies (${own.map((d) => d[0]).join(', ')}) instead` : ''}; do its work before the pod starts`,
        );
        note('after', `compose also waited for the one-shot ${dep} to complete (not imported)`);
        visit(own, `services.${dep}`, dep);
        continue;
      }
      if (ctx.leftOut.has(dep)) {
        ctx.report.add('refused', path, `${dep} is only in profile ${ctx.leftOut.get(dep)!.join(', ')}, which is not imported (add --profile)`);
        continue;
      }
      if (!ctx.names.has(dep)) {
        if (!ctx.all.has(dep)) ctx.report.problem(path, dep, 'depends on a service the file does not define');
        continue;
      }
      after.push(ctx.names.get(dep)!);
      if (condition === 'service_started') startedOnly.push(ctx.names.get(dep)!);
      if (entry.restart === true)
        ctx.report.add(
          'refused',
          `${path}.restart`,
          'the pod does not restart a dependent when its dependency restarts (the dependent waits only when it starts)',
        );
      if (entry.required === false) ctx.report.add('changed', `${path}.required`, 'the pod always waits for a dependency (required: false is not kept)');
    }
  };
  visit(dependencies(raw.depends_on), at);
  carried.push('depends_on');
  if (startedOnly.length) {
    ctx.report.add(
      'changed',
      `${at}.depends_on`,
      `service_started (or a plain list) for ${startedOnly.join(', ')}: the pod starts a service once its dependencies are healthy, not merely started`,
    );
  }
  const unique = [...new Set(after)];
  if (unique.length) service.after = unique;
}

function mapMounts(raw: Raw, at: string, original: string, service: DeclaredService, note: Note, ctx: Ctx, interp: Interp, carried: string[]): void {
  const mounts: DeclaredMount[] = [];
  const add = (m: DeclaredMount) => {
    if (!mounts.some((x) => x.mountPath === m.mountPath)) mounts.push(m);
  };
  if (raw.volumes !== undefined) {
    if (!Array.isArray(raw.volumes)) ctx.report.problem(`${at}.volumes`, raw.volumes, 'must be a list');
    else {
      raw.volumes.forEach((entry, i) => {
        const path = `${at}.volumes[${i}]`;
        const value = typeof entry === 'string' ? interp(entry, path) : entry;
        if (value === undefined) return;
        const reading = readVolume(value);
        if ('problem' in reading) return ctx.report.problem(path, value, reading.problem);
        const v = reading.volume;
        if (v.type === 'anonymous') {
          return ctx.report.add(
            'refused',
            path,
            `an anonymous volume at ${v.target}: the files stay in the container (its writable layer), as they would be lost with the volume; map a host folder (mounts) to keep them`,
          );
        }
        if (v.type === 'tmpfs') return ctx.report.add('refused', path, 'a tmpfs mount: the configuration has none; the files stay in the container');
        if (v.type === 'other') return ctx.report.add('refused', path, `a ${v.what} mount: the configuration mounts host paths only`);
        for (const o of v.options) {
          if (o === 'z' || o === 'Z')
            ctx.report.add(
              'refused',
              `${path}:${o}`,
              'SELinux relabelling: kube play relabels only the paths it creates; on an SELinux host label the folder yourself (chcon -Rt container_file_t PATH)',
            );
          else if (['cached', 'delegated', 'consistent'].includes(o) || o.startsWith('consistency'))
            ctx.report.add('ignored', `${path}:${o}`, 'a Docker Desktop (macOS) hint; no effect on Linux');
          else ctx.report.add('refused', `${path}: ${o}`, 'a mount option the configuration has no field for');
        }
        if (v.type === 'bind') {
          let host = v.source!.startsWith('~') ? homedir() + v.source!.slice(1) : v.source!;
          host = resolve(ctx.dir, host);
          if (/\/(docker|podman)\.sock$/.test(host)) {
            return ctx.report.add(
              'refused',
              path,
              `${host}: a container engine's socket gives whoever controls the container the host; the configuration passes none`,
            );
          }
          let isFile = false;
          try {
            isFile = statSync(host).isFile();
          } catch {
            // not there yet: install creates a folder
          }
          const persistent = !v.readOnly && !isFile;
          add({ hostPath: host, mountPath: v.target, persistent, readOnly: v.readOnly });
          if (!isAbsolute(v.source!)) ctx.report.add('changed', path, `${v.source} is resolved against the compose file's folder: ${host}`);
          return;
        }
        // A named volume: a folder of its own under volumesDir.
        const decl = ctx.topVolumes[v.source!];
        if (!(v.source! in ctx.topVolumes)) return ctx.report.problem(path, v.source, 'names a volume the top-level volumes do not declare');
        ctx.volumeUsers.set(v.source!, [...(ctx.volumeUsers.get(v.source!) ?? []), original]);
        const d = isMap(decl) ? decl : {};
        const opts = isMap(d.driver_opts) ? d.driver_opts : {};
        if (opts.type === 'tmpfs')
          return ctx.report.add(
            'refused',
            path,
            `volume ${v.source} is a tmpfs (driver_opts): the configuration has no tmpfs mounts; the files stay in the container`,
          );
        let host = `${ctx.volumesDir}/${v.source}`;
        if (typeof opts.device === 'string' && /(^|,)bind(,|$)/.test(String(opts.o ?? ''))) {
          host = resolve(ctx.dir, opts.device);
        } else {
          for (const k of Object.keys(d)) {
            if (k === 'driver' && d.driver === 'local') continue;
            if (k === 'name') continue;
            ctx.report.add(
              k === 'external' ? 'todo' : 'refused',
              `volumes.${v.source}.${k}`,
              k === 'external' ? `an existing volume: copy its data into ${host}` : 'the configuration mounts host folders; no volume drivers or options',
            );
          }
          ctx.report.add(
            'changed',
            path,
            `named volume ${v.source} -> host folder ${host} (persistent). Unlike a new named volume, a new host folder does not start with the image's files at ${v.target}`,
          );
          note('mounts', `named volume ${v.source} -> ${host} (a new host folder starts empty, without the image's files)`);
        }
        add({ hostPath: host, mountPath: v.target, persistent: !v.readOnly, readOnly: v.readOnly });
      });
      if (mounts.length) carried.push('volumes');
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    if (raw[kind] === undefined) continue;
    const before = mounts.length;
    if (!Array.isArray(raw[kind])) {
      ctx.report.problem(`${at}.${kind}`, raw[kind], 'must be a list');
      continue;
    }
    (raw[kind] as unknown[]).forEach((entry, i) => {
      const path = `${at}.${kind}[${i}]`;
      const source = typeof entry === 'string' ? entry : isMap(entry) ? entry.source : undefined;
      if (typeof source !== 'string') return ctx.report.problem(path, entry, 'must name a top-level entry (a string, or { source, target })');
      const decl = ctx.topFiles[kind][source];
      const target = isMap(entry) && typeof entry.target === 'string' ? entry.target : undefined;
      const mountPath = target?.startsWith('/') ? target : kind === 'secrets' ? `/run/secrets/${target ?? source}` : `/${target ?? source}`;
      if (!isMap(decl)) return ctx.report.problem(path, source, `names no entry of the top-level ${kind}`);
      ctx.fileUsers.add(`${kind}.${source}`);
      if (typeof decl.file !== 'string') {
        return ctx.report.add(
          'refused',
          path,
          `${kind}.${source} is not a file (${Object.keys(decl).join(', ')}): the configuration mounts host files only; put the value in a file, or use secretKeys`,
        );
      }
      const host = resolve(ctx.dir, decl.file);
      add({ hostPath: host, mountPath, persistent: false, readOnly: true });
      if (isMap(entry))
        for (const k of ['uid', 'gid', 'mode'])
          if (entry[k] !== undefined) ctx.report.add('refused', `${path}.${k}`, "the mount keeps the host file's owner and mode: set them on the host file");
      ctx.report.add('changed', path, `the file ${host} mounted read-only at ${mountPath} (keep it readable by root only)`);
    });
    if (mounts.length > before) carried.push(kind);
  }
  if (mounts.length) service.mounts = mounts;
}

function mapRestart(value: unknown, path: string, ctx: Ctx, carried: string[]): void {
  const text = String(value);
  if (text === 'always') {
    carried.push('restart');
    ctx.report.add('ignored', path, 'the pod restarts every container (restartPolicy Always) and its watchdog starts one that stays stopped: the same');
  } else if (text === 'unless-stopped') {
    carried.push('restart');
    ctx.report.add(
      'changed',
      path,
      "the pod restarts every container (restartPolicy Always); its watchdog also starts one stopped by hand (stop the pod's unit instead)",
    );
  } else if (text === 'no' || text === 'false' || /^on-failure(:\d+)?$/.test(text)) {
    ctx.report.add(
      'refused',
      path,
      `${text}: a pod has one restart policy for all its containers, Always here (podman 4.3 loops init containers otherwise, and a failing liveness probe restarts only under Always), and its watchdog starts a stopped container: this service is restarted whenever it exits`,
    );
  } else {
    ctx.report.problem(path, value, 'must be "no", always, on-failure[:N] or unless-stopped');
  }
}

function mapDeploy(deploy: unknown, path: string, service: DeclaredService, ctx: Ctx, carried: string[], haveMemLimit: boolean): void {
  if (!isMap(deploy)) return ctx.report.problem(path, deploy, 'must be a mapping');
  for (const [k, v] of Object.entries(deploy)) {
    if (k === 'resources' && isMap(v)) {
      for (const [rk, rv] of Object.entries(v)) {
        if (rk === 'limits' && isMap(rv)) {
          for (const [lk, lv] of Object.entries(rv)) {
            if (lk === 'memory') {
              if (haveMemLimit) {
                ctx.report.add('ignored', `${path}.resources.limits.memory`, 'mem_limit is set and taken');
                continue;
              }
              const q = memoryQuantity(lv);
              if (!q) ctx.report.problem(`${path}.resources.limits.memory`, lv, 'must be a size such as 512M or 1G');
              else {
                service.memoryLimit = q;
                carried.push('deploy.resources.limits.memory');
              }
            } else ctx.report.add('refused', `${path}.resources.limits.${lk}`, 'the configuration sets a memory limit only (memoryLimit)');
          }
        } else ctx.report.add('refused', `${path}.resources.${rk}`, 'the configuration sets a memory limit only (memoryLimit)');
      }
    } else if (k === 'replicas' && (v === 1 || v === '1')) {
      ctx.report.add('ignored', `${path}.replicas`, 'one container: as in the pod');
    } else if (k === 'restart_policy' && isMap(v)) {
      mapRestart(v.condition === 'any' ? 'always' : v.condition === 'none' ? 'no' : (v.condition ?? 'always'), `${path}.restart_policy`, ctx, carried);
    } else {
      ctx.report.add(
        'refused',
        `${path}.${k}`,
        k === 'replicas' ? 'the pod runs one container per service' : 'a swarm deployment setting; the pod runs on one host',
      );
    }
  }
}

function mapCapabilities(raw: Raw, at: string, service: DeclaredService, note: Note, ctx: Ctx, carried: string[]): void {
  const read = (key: 'cap_add' | 'cap_drop'): string[] => {
    const v = raw[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      ctx.report.problem(`${at}.${key}`, v, 'must be a list of capability names');
      return [];
    }
    carried.push(key);
    return v.map((c) => String(c).toUpperCase().replace(/^CAP_/, ''));
  };
  const add = read('cap_add');
  const drop = read('cap_drop');
  const known = new Set<string>(LINUX_CAPABILITIES);
  const kept = new Set<string>(drop.includes('ALL') ? [] : PODMAN_DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)));
  add.forEach((c, i) => {
    if (c === 'ALL') ctx.report.add('refused', `${at}.cap_add[${i}]`, 'every capability: a declared service keeps only those it lists; name them');
    else if (!known.has(c)) ctx.report.problem(`${at}.cap_add[${i}]`, c, 'not a Linux capability name');
    else kept.add(c);
  });
  drop.forEach((c, i) => {
    if (c !== 'ALL' && !known.has(c)) ctx.report.problem(`${at}.cap_drop[${i}]`, c, 'not a Linux capability name');
  });
  service.capabilities = [...kept].sort();
  if (!add.length && !drop.length)
    note('capabilities', "podman's default set, which compose ran it with: keep only what the image needs (every other is dropped)");
}
