/**
 * `imagestack prepull`: pull one commit's images, or one version's stable images, on many
 * engines at once (or print a Kubernetes DaemonSet that does it on every node).
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { InputError } from '../../core/errors';
import { makeDaemonSet } from '../../core/prepull/daemonset';
import { parseEngineTarget, type EngineTarget } from '../../core/prepull/engine-host';
import { prepull } from '../../core/prepull/prepull';
import { summarize } from '../../core/prepull/summary';
import type { PrepullEvent, PullResult } from '../../core/prepull/types';
import { dockerAuthConfig, RegistryClient, resolveCredentials } from '../../core/registry';
import { resolveImages, type ResolvedImage, type ResolveTarget } from '../../core/resolve/resolve';
import { findSpecsFile } from '../specs-file';
import { collect, globalFlags, positiveDuration } from '../options';
import { formatBytes, formatDuration, formatTable } from '../../terminal/table';
import { EXIT_CANCELLED, EXIT_FAILURE } from '../../terminal/render-error';
import { PLATFORM_PATTERN } from '../../core/platform/platform';
import { platformsAt } from '../../core/platform/spec';
import { platformImages } from '../../core/prepull/platform';

interface PrepullFlags {
  stable?: string;
  commit?: string;
  version?: string[];
  engine?: string[];
  /** Milliseconds (parsed by {@link positiveDuration}). */
  timeout: number;
  kubernetes?: boolean;
  namespaceK8s?: string;
  name?: string;
  pauseImage?: string;
  pullSecret?: string[];
  platform?: string;
}


/** The summary: one row per image, one column per engine, then the reasons of failures. */
export function prepullTable(results: readonly PullResult[]): string {
  const engines = [...new Set(results.map((r) => r.engine))];
  const images = [...new Map(results.map((r) => [r.reference, r])).values()];
  const cell = (r?: PullResult) => (!r ? '' : r.status === 'failed' ? 'FAILED' : r.status === 'pulled' ? `pulled ${formatBytes(r.bytes)}` : 'present');
  const rows = images.map((i) => [
    `${i.image}:${i.tag}`,
    ...engines.map((e) => cell(results.find((r) => r.engine === e && r.reference === i.reference))),
  ]);
  const table = formatTable(['image', ...engines], rows);
  const failures = results.filter((r) => r.status === 'failed');
  // One line per engine and reason (a dead node fails every image for the same reason).
  const reasons = new Map<string, string[]>();
  for (const f of failures) {
    const k = `${f.engine}\0${f.reason}`;
    reasons.set(k, [...(reasons.get(k) ?? []), `${f.image}:${f.version}`]);
  }
  const lines = [...reasons].map(([k, imgs]) => {
    const [engine, reason] = k.split('\0');
    const which = imgs.length === images.length ? 'every image' : imgs.join(', ');
    return `  ${engine}: ${which}: ${reason}`;
  });
  return lines.length ? `${table}\n\nfailed:\n${lines.join('\n')}` : table;
}

/** Progress lines: one per engine event and finished image (redrawn in place on a TTY). */
function progressReporter(out: NodeJS.WriteStream, engines: readonly EngineTarget[]): { onEvent: (e: PrepullEvent) => void; stop: () => void } {
  const tty = Boolean(out.isTTY);
  const width = Math.max(...engines.map((e) => e.name.length));
  const state = new Map<string, string>(engines.map((e) => [e.name, 'connecting']));
  let drawn = 0;
  const redraw = () => {
    let s = drawn ? `\x1b[${drawn}A` : '';
    for (const [e, line] of state) s += `\x1b[2K${e.padEnd(width)}  ${line}\n`;
    out.write(s);
    drawn = state.size;
  };
  const timer = tty ? setInterval(redraw, 1000) : undefined;
  timer?.unref();
  const say = (engine: string, line: string) => {
    state.set(engine, line);
    if (tty) redraw();
    else out.write(`${engine.padEnd(width)}  ${line}\n`);
  };
  let current = new Map<string, string>();
  const onEvent = (e: PrepullEvent) => {
    switch (e.type) {
      case 'engine':
        say(e.engine, e.state === 'up' ? 'connected' : `unreachable: ${e.detail}`);
        break;
      case 'start':
        current.set(e.engine, `${e.index}/${e.total} ${e.image.image}:${e.image.tag}`);
        if (tty) say(e.engine, `${current.get(e.engine)}  checking`);
        break;
      case 'progress':
        if (tty) say(e.engine, `${current.get(e.engine)}  ${formatBytes(e.bytes)}  ${formatDuration(e.elapsedMs)}`);
        break;
      case 'done': {
        const r = e.result;
        const what = r.status === 'failed' ? `FAILED: ${r.reason}` : r.status === 'pulled' ? `pulled ${formatBytes(r.bytes)} in ${formatDuration(r.ms)}` : 'present';
        say(e.engine, `${current.get(e.engine) ?? `${r.image}:${r.version}`}  ${what}`);
        break;
      }
    }
  };
  return {
    onEvent,
    stop: () => {
      if (timer) clearInterval(timer);
      if (tty) redraw();
      current = new Map();
    },
  };
}

/** Registers the command. `signal` is aborted on SIGINT/SIGTERM. */
export function registerPrepull(program: Command, signal: AbortSignal): void {
  program
    .command('prepull')
    .description("pull a commit's images or a version's stable images on many engines at once, or print a Kubernetes DaemonSet that does it")
    .option('--stable <version>', 'the <version>-stable tag of every image of that version')
    .option('--commit <sha>', "the tags of this commit's plan")
    .option('--version <v>', 'with --commit: only this version (repeatable)', collect)
    .option('--engine <[name=]host>', 'an engine, as DOCKER_HOST: unix:///…/docker.sock, tcp://host:2375, ssh://user@host (repeatable)', collect)
    .addOption(new Option('--timeout <duration>', 'time allowed per engine, e.g. 10m, 90s').default(600_000, '10m').argParser(positiveDuration('--timeout')))
    .option('--platform <os/arch>', "of a multi-platform tag, pull this platform (e.g. linux/arm64) instead of each engine's own")
    .option('--kubernetes', 'print a DaemonSet manifest (YAML) that pre-pulls on every node, instead of pulling')
    .option('--namespace-k8s <ns>', 'with --kubernetes: the Kubernetes namespace (default: kubectl\'s current one)')
    .option('--name <name>', 'with --kubernetes: the DaemonSet name (default imagestack-prepull-<namespace>-<target>)')
    .option('--pause-image <ref>', 'with --kubernetes: the main container image (default registry.k8s.io/pause:3.10)')
    .option('--pull-secret <name>', 'with --kubernetes: an imagePullSecret for a private registry (repeatable)', collect)
    .action(async (o: PrepullFlags, cmd: Command) => {
      const g = globalFlags(cmd);
      if (Boolean(o.stable) === Boolean(o.commit)) {
        throw new InputError({ file: 'prepull', message: 'say which images: give exactly one of --stable <version> and --commit <sha>', fix: 'e.g. imagestack prepull --stable 2026.1 --engine unix:///var/run/docker.sock' });
      }
      if (o.kubernetes && o.engine?.length) {
        throw new InputError({ file: 'prepull', message: '--kubernetes prints a manifest and pulls nothing: --engine does not go with it', fix: 'drop --engine, or drop --kubernetes' });
      }
      if (o.kubernetes && o.platform !== undefined) {
        throw new InputError({ file: 'prepull', message: '--platform does not go with --kubernetes: every node of the DaemonSet pulls its own platform of a multi-platform tag', fix: 'drop --platform' });
      }
      if (o.platform !== undefined && !PLATFORM_PATTERN.test(o.platform)) {
        throw new InputError({ file: 'prepull', message: `--platform ${JSON.stringify(o.platform)} is not a platform`, fix: 'write os/architecture[/variant], e.g. --platform linux/arm64' });
      }
      if (!o.kubernetes && !o.engine?.length) {
        throw new InputError({ file: 'prepull', message: 'no engine to pull on', fix: 'give one --engine [name=]DOCKER_HOST per node, or --kubernetes for a DaemonSet' });
      }
      const timeoutMs = o.timeout;
      const targets = (o.engine ?? []).map((e) => parseEngineTarget(e));
      const names = targets.map((t) => t.name);
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice) throw new InputError({ file: `--engine ${twice}`, message: 'the same engine name twice', fix: 'name each engine once (name=host)' });

      const target: ResolveTarget = o.stable ? { stable: o.stable } : { commit: o.commit! };
      const { specs, commit, images: resolved } = await resolveImages({
        specsFile: findSpecsFile(g.specs),
        target,
        versions: o.version,
        registry: g.registry,
        namespace: g.namespace,
      });
      const images = o.platform
        ? await platformImages(new RegistryClient({ registry: specs.registry, signal }), resolved, o.platform, (q) => q.slice(specs.registry.length + 1), {
            declared: (img) => platformsAt(specs.images.find((i) => i.name === img.image)?.platforms, img.version),
            onSkip: (img) => process.stdout.write(`imagestack: ${img.image}@${img.version} is not built for ${o.platform} (its platforms in specs.yml): not pulled\n`),
          })
        : resolved;
      const what = o.stable ? `stable-${o.stable}` : commit!.slice(0, 7);
      if (o.kubernetes) {
        const manifest = makeDaemonSet(images, {
          name: o.name ?? `imagestack-prepull-${specs.namespace.split('/').pop()}-${what}`,
          namespace: o.namespaceK8s,
          pauseImage: o.pauseImage,
          imagePullSecrets: o.pullSecret,
          annotations: {
            'imagestack.io/target': o.stable ? `${o.stable}-stable` : commit!,
            'imagestack.io/images': images.map((i: ResolvedImage) => `${i.image}:${i.tag}`).join(' '),
          },
        });
        process.stdout.write(stringify(manifest, { lineWidth: 0 }));
        return;
      }
      const auth = dockerAuthConfig(specs.registry, await resolveCredentials(specs.registry));
      process.stdout.write(`imagestack: pre-pulling ${images.length} image${images.length === 1 ? '' : 's'} (${o.stable ? `${o.stable}-stable` : `commit ${what}`}) on ${targets.length} engine${targets.length === 1 ? '' : 's'}\n`);
      const reporter = progressReporter(process.stdout, targets);
      const t0 = Date.now();
      let results: PullResult[];
      try {
        results = await prepull(targets, images, { auth, timeoutMs, signal, onEvent: reporter.onEvent, platform: o.platform });
      } finally {
        reporter.stop();
      }
      const s = summarize(results);
      process.stdout.write(`\n${prepullTable(results)}\n\n`);
      process.stdout.write(
        `${s.missing ? 'INCOMPLETE' : 'done'} in ${formatDuration(Date.now() - t0)}: ${s.pulled} pulled (${formatBytes(s.bytes)}), ${s.present} already present, ${s.missing} failed` +
          `${s.missing ? `; missing on ${s.incompleteEngines.join(', ')}` : ''}\n`,
      );
      if (s.missing) process.exitCode = signal.aborted ? EXIT_CANCELLED : EXIT_FAILURE;
    });
}
