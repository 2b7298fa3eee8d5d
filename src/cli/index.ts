import { Command, Option } from 'commander';
import { version } from '../../package.json';
import { DEFAULT_CONFIG_FILE } from '../config/default-file';
import { DEFAULT_TARGETS, TARGET_NAMES, TARGETS } from '../lib/targets';
import { startPodmanProbe } from '../lib/podman-probe';
import { UNIT_KINDS, UnitKind } from '../render/unit-file';
import { chunk } from './chunks';

const program = new Command();
program
  .name('opencode-memory-pod')
  .description('Generate, validate and install the OpenCode memory pod (OpenCode, Valkey, FalkorDB, Datadog Agent) for podman and systemd.')
  .version(version, '-V, --version', 'print the version (package.json) and exit')
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's usage errors exit 1; bad input exits 2 everywhere in this tool.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('synth')
  .description(`write ${TARGET_NAMES.map((t) => `${TARGETS[t].writes} (${TARGETS[t].title} target)`).join('; ')}; the configuration's JSON Schema`)
  .option('-c, --config <file>', `YAML configuration (default: ./${DEFAULT_CONFIG_FILE} if present, else built-in defaults)`)
  .option('-o, --out <dir>', 'output folder', 'dist')
  .addOption(targetOption(`default: the configuration's targets, else ${DEFAULT_TARGETS.join(',')}`))
  .action((opts: { config?: string; out: string; target?: string }) => {
    process.exitCode = chunk('synth').runSynth({ configPath: opts.config, outDir: opts.out, targets: opts.target });
  });

program
  .command('install')
  .description(
    'copy pod.yaml, units and helpers to their places, remove what an earlier install of the pod no longer uses, create data directories; on this host (no --root) also daemon-reload and restart the running unit when what it runs changed',
  )
  .option('--from <dir>', 'folder written by synth', 'dist')
  .option('--root <dir>', 'install under this folder instead of / (runs no systemctl: prints the lines to run)')
  .option('--dry-run', 'only print what would be done (the same plan, changing nothing)')
  .addOption(
    new Option('--unit <kind>', "podman-kube (drop-in for podman's template, every podman) or quadlet (podman 4.4+)")
      .choices(UNIT_KINDS)
      .default('podman-kube'),
  )
  .action((opts: { from: string; root?: string; dryRun?: boolean; unit: UnitKind }) => {
    process.exitCode = chunk('install').runInstall(opts);
  });

program
  .command('uninstall')
  .description(
    "stop and disable the pod's units, remove every file install wrote (a file changed since is left and named), daemon-reload, remove the pod's podman network; the data directories stay",
  )
  .option('--root <dir>', 'uninstall under this folder instead of / (runs no systemctl)')
  .option('--pod <name>', 'which pod, when several are installed (default: the only one)')
  .option('--from <dir>', 'folder written by synth: names the files of an install made before receipts existed', 'dist')
  .option('--dry-run', 'only print what would be done')
  .option('--purge', 'also delete the data directories (names them and exits 2 unless --yes)')
  .option('--yes', 'with --purge: delete without asking')
  .action((opts: { root?: string; pod?: string; from: string; dryRun?: boolean; purge?: boolean; yes?: boolean }) => {
    process.exitCode = chunk('install').runUninstall(opts);
  });

const image = program.command('image').description('the OpenCode server image');
image
  .command('build')
  .description('build localhost/opencode-server:<version> with podman from the official OpenCode release binary (npm: opencode-linux-<arch>)')
  .option('-c, --config <file>', `YAML configuration: services.opencode.version (default: ./${DEFAULT_CONFIG_FILE} if present, else built-in defaults)`)
  .addOption(new Option('--arch <arch>', "architecture of the image (default: this machine's)").choices(['amd64', 'arm64']))
  .option('--base <image>', 'Debian-based base image (default: docker.io/library/debian:bookworm-20261005-slim); a local one for offline builds')
  .option('--tarball <file>', 'release tarball already on disk (the npm package .tgz, or a release .tar.gz holding opencode)')
  .option('--npm-cache <dir>', 'npm cache folder to fetch into or, with --offline, read from')
  .option('--offline', 'do not use the network for the release (needs --tarball or a filled --npm-cache)')
  .option('--tag <image>', "image name to build (default: the configuration's OpenCode image)")
  .option('--force', 'build again even when the image for this version and architecture exists')
  .option('--no-cache', 'with --force: build every layer again (podman build --no-cache)')
  .option('--context <dir>', 'only write the build context (Containerfile + binary) there and print the podman build line')
  .action(
    (opts: {
      config?: string;
      arch?: 'amd64' | 'arm64';
      base?: string;
      tarball?: string;
      npmCache?: string;
      offline?: boolean;
      tag?: string;
      force?: boolean;
      cache: boolean;
      context?: string;
    }) => {
      process.exitCode = chunk('image').runImageBuild({ ...opts, noCache: !opts.cache });
    },
  );

image
  .command('pull')
  .description('pull every image the synthesized pod runs that is not here yet (the OpenCode image is built: image build)')
  .option('--from <dir>', 'folder written by synth', 'dist')
  .option('--record <file>', 'also write the digest of every image pulled to this file (services.<name>.image entries to copy into the configuration)')
  .action((opts: { from: string; record?: string }) => {
    process.exitCode = chunk('image').runImagePull(opts);
  });

const importCommand = program.command('import').description('write a configuration from another description of a stack');
importCommand
  .command('compose')
  .description(
    'read a compose file (compose specification) and write its services as declared services of the configuration; the report names every key not carried over and why, and the env-file keys to set (no secret value is written)',
  )
  .argument('<file>', 'compose file (docker-compose.yml, compose.yaml); ${VAR} is read from the environment, then the .env beside it')
  .option('-o, --out <file>', 'configuration file to write, or - for stdout (the report then goes to stderr)', DEFAULT_CONFIG_FILE)
  .option('--force', 'replace the output file when it exists')
  .option('--profile <name>', 'also import the services of this compose profile (repeatable)', (v: string, all: string[] = []) => [...all, v])
  .option('--rename <old=new>', 'configuration name for a compose service (repeatable)', (v: string, all: string[] = []) => [...all, v])
  .option('--volumes-dir <dir>', 'host folder for named volumes (one folder each)', '/persist/containers/compose')
  .option('--no-inspect', "do not ask podman for the images' ENTRYPOINT, CMD and HEALTHCHECK (images already on this host; never pulled)")
  .action((file: string, opts: { out: string; force?: boolean; profile?: string[]; rename?: string[]; volumesDir: string; inspect: boolean }) => {
    process.exitCode = chunk('import').runImportCompose({ file, ...opts });
  });

program
  .command('doctor')
  .description(
    'check this host before and after install: podman, images, podman.socket, env file and its keys, data directories, free host ports, the installed pod.yaml',
  )
  .option('--from <dir>', 'folder written by synth', 'dist')
  .action(async (opts: { from: string }) => {
    process.exitCode = await chunk('doctor').runDoctor(opts);
  });

program
  .command('validate')
  .description('check manifests against a strict Kubernetes schema and what podman kube play really does with them')
  // Every error of validate is one line (an option value commander refuses too), without the help.
  .showHelpAfterError(false)
  .configureOutput({ outputError: (text, write) => write(`opencode-memory-pod: validate: ${text.replace(/^error: /, '')}`) })
  .argument(
    '[files...]',
    `manifests to check (default: what synth wrote: ${TARGET_NAMES.filter((t) => TARGETS[t].checkedAs)
      .map((t) => `dist/${TARGETS[t].manifests.replace(/\/$/, '/*.yaml')}`)
      .join(' and ')})`,
  )
  .option('--podman <version>', 'podman version to check for, or "all" (default: the podman on this machine, else 4.3.1)')
  .addOption(targetOption(`named files: one target, default ${DEFAULT_TARGETS[0]}; no files: each part of dist/ for its own target`))
  .option('--kubernetes <version>', 'Kubernetes version of the cluster for --target kubernetes (default: 1.29, which native sidecars need)')
  .option(
    '--schema <version>',
    'Kubernetes schema that judges the fields: 1.28 or 1.33 (default: 1.28 for podman, whose kube play knows no newer fields; for a cluster the newest not newer than --kubernetes)',
  )
  .addOption(new Option('--format <format>', 'how to print the findings').choices(['text', 'json']).default('text'))
  .option('--from <dir>', 'folder written by synth, for the default files', 'dist')
  .option(
    '--ignore <rules>',
    'silence these rules (ids from --rules, comma-separated; repeatable); the output says what was silenced',
    (v: string, all: string[] = []) => [...all, v],
  )
  .option('--rules', 'list the rules and exit')
  .action(
    async (
      files: string[],
      opts: { podman?: string; target?: string; kubernetes?: string; schema?: string; format: string; from: string; ignore?: string[]; rules?: boolean },
    ) => {
      if (opts.rules) {
        console.log(chunk('validate').listRules());
        return;
      }
      // Without --podman, `podman --version` (as long as the validator's own work) runs on the
      // other core while the validator loads and parses the manifests.
      const probe = opts.podman ? undefined : startPodmanProbe();
      const validate = chunk('validate');
      const options = { files, ...opts };
      const wanted = probe !== undefined && validate.readFilesAhead(options);
      if (probe && !wanted) probe.cancel();
      const text = wanted ? await probe.text : undefined;
      process.exitCode = validate.runValidate(options, console.log, console.error, () => text);
    },
  );

/** --target, in the one form synth and validate take (the target registry's names). */
function targetOption(defaultText: string): Option {
  return (
    new Option(
      '-t, --target <targets>',
      `one target, or several separated by a comma (e.g. ${TARGET_NAMES.join(',')}): ${TARGET_NAMES.map((t) => `${t} for ${TARGETS[t].about}`).join(', ')}; ${defaultText}`,
    )
      .choices(TARGET_NAMES)
      // choices() lists the targets in --help; the commands read the comma-separated list (as synth reads OMP_TARGETS).
      .argParser((list: string) => list)
  );
}

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`opencode-memory-pod: ${e.message}`);
  process.exit(2);
});
