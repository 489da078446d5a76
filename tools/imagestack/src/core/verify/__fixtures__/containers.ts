/**
 * Test fixture: a recording fake of the engine's container side ({@link ContainerEngine}),
 * standing for the Docker engine's `/containers` API as dockerode exposes it. Each container
 * plays a scripted part (exit code, output, a hang until killed, a failing start) and
 * records what was done to it, so a test can check that every container created was
 * removed. The real engine: test/verify/container.test.ts, test/verify-tests/.
 */
import { PassThrough, Readable } from 'node:stream';
import type { ContainerEngine, ContainerSpec, EngineContainer } from '../../ports';

/** How a fake container behaves. */
export interface Part {
  /** Exit status when it ends by itself (default 0). */
  exitCode?: number;
  /** Never ends by itself: `wait` resolves only when killed (exit 137). */
  hang?: boolean;
  /** `start` rejects. */
  failStart?: boolean;
  /** Its stdout, given its `Cmd` (default ''). */
  stdout?: (cmd: readonly string[]) => string;
}

/** One fake container and what happened to it. */
export class FakeContainer implements EngineContainer {
  readonly id: string;
  started = false;
  killed = false;
  removed = false;
  readonly #attached = new PassThrough();
  #exit?: (code: number) => void;
  readonly #exited: Promise<number>;

  constructor(
    readonly spec: ContainerSpec,
    readonly part: Part,
    n: number,
  ) {
    this.id = `fake${String(n).padStart(12, '0')}`;
    this.#exited = new Promise((resolve) => (this.#exit = resolve));
  }
  #output(): string {
    return this.part.stdout?.(this.spec.Cmd ?? []) ?? '';
  }
  async start(): Promise<void> {
    if (this.part.failStart) throw Object.assign(new Error('OCI runtime create failed'), { statusCode: 500 });
    this.started = true;
    if (!this.part.hang) setImmediate(() => this.#end(this.part.exitCode ?? 0));
  }
  #end(code: number): void {
    if (!this.#attached.writableEnded) this.#attached.end(this.#output());
    this.#exit!(code);
  }
  async wait(): Promise<{ StatusCode: number }> {
    return { StatusCode: await this.#exited };
  }
  async kill(): Promise<void> {
    this.killed = true;
    this.#end(137);
  }
  async remove(): Promise<void> {
    this.removed = true;
    this.#end(137);
  }
  async inspect(): Promise<{ State: { OOMKilled: boolean } }> {
    return { State: { OOMKilled: false } };
  }
  async logs(): Promise<NodeJS.ReadableStream> {
    return Readable.from([Buffer.from(this.#output())]);
  }
  async attach(): Promise<NodeJS.ReadWriteStream> {
    return this.#attached;
  }
  async putArchive(): Promise<void> {}
  async getArchive(): Promise<NodeJS.ReadableStream> {
    throw Object.assign(new Error('no such file'), { statusCode: 404 });
  }
}

/** The fake engine: plays `part(spec)` for each container it creates, and keeps them all. */
export function fakeContainerEngine(part: (spec: ContainerSpec) => Part = () => ({})): ContainerEngine & { containers: FakeContainer[] } {
  const containers: FakeContainer[] = [];
  return {
    containers,
    async createContainer(spec) {
      const c = new FakeContainer(spec, part(spec), containers.length + 1);
      containers.push(c);
      return c;
    },
    getImage: () => ({
      inspect: async () => ({ Id: 'sha256:fake', Config: { User: '1000' } }),
      history: async () => [],
      remove: async () => undefined,
    }),
    // Every container not removed; the filters are not applied (an ancestor filter would match them all here).
    listContainers: async () => containers.filter((c) => !c.removed).map((c) => ({ Id: c.id, Created: 0, Labels: c.spec.Labels })),
    getContainer: (id: string) => ({
      remove: async () => {
        const c = containers.find((x) => x.id === id);
        if (!c) throw new Error(`no such container: ${id}`);
        await c.remove();
      },
    }),
    pull: async () => Readable.from([]),
    // No framing in the fake: everything is stdout.
    modem: { demuxStream: (stream, stdout) => void stream.on('data', (c: Buffer) => stdout.write(c)) },
  };
}

/**
 * Plays the `sh` script `runCommands` generates (verify/container.ts `commandsScript`): per
 * command, its fenced output and exit code from `answer`.
 */
export function playCommands(answer: (command: string) => { stdout: string; exitCode: number }): (cmd: readonly string[]) => string {
  return (cmd) => {
    const script = cmd[2] ?? '';
    const marker = /^m='([^']+)'/.exec(script)?.[1] ?? '';
    const commands = [...script.matchAll(/^sh -c '((?:[^']|'\\'')*)' <\/dev\/null$/gm)].map((m) => m[1].replace(/'\\''/g, "'"));
    return commands.map((c, i) => {
      const a = answer(c);
      return `${marker} start ${i}\n${a.stdout}\n${marker} end ${i} ${a.exitCode}\n`;
    }).join('');
  };
}
