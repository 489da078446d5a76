/**
 * Throwaway containers against the real engine: output and exit code, no network, the
 * time limit, aborts (Ctrl-C), several commands in one container, reading files, and no
 * container left behind in any of these cases (DESIGN.md promise 7).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/core/errors';
import { readFilesFromImage } from '../../src/core/verify/checks';
import { runInContainer } from '../../src/core/verify/container';
import { runCommands } from '../../src/core/verify/run-commands';
import { docker, dockerBuild, dockerCli, runContainers } from './support';

const ref = `imagestack-verify-container:${randomBytes(4).toString('hex')}`;
let image: string;

beforeAll(() => {
  image = dockerBuild(ref, `FROM debian:bookworm-slim\nLABEL io.imagestack.test=${ref}\nRUN echo '{"a": 1}' > /data.json && ln -s data.json /link.json\n`);
});
afterAll(() => {
  dockerCli(['rmi', '-f', ref]);
});

describe('runInContainer', () => {
  it('collects stdout, stderr and the exit code, labels the container, and removes it', async () => {
    const r = await runInContainer(docker, image, 'echo out; echo err >&2; exit 4', { labels: { 'io.imagestack.test': 'x' } });
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 4, timedOut: false, truncated: false });
    console.log(`one container run: ${r.durationMs} ms`);
    expect(await runContainers([image])).toEqual([]);
  });

  it('runs without network', async () => {
    const r = await runInContainer(docker, image, 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "');
    expect(r.stdout.trim().split('\n')).toEqual(['lo']);
  });

  it('kills the container at the time limit and removes it', async () => {
    const t0 = performance.now();
    const r = await runInContainer(docker, image, 'echo started; sleep 30', { timeoutMs: 1000 });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r).toMatchObject({ timedOut: true, stdout: 'started\n' });
    expect(r.exitCode).not.toBe(0);
    expect(await runContainers([image])).toEqual([]);
  });

  it('on abort, kills and removes the container, then rejects', async () => {
    const ac = new AbortController();
    const seen: string[][] = [];
    const running = runInContainer(docker, image, 'sleep 30', { signal: ac.signal });
    // Wait until the container exists, then abort.
    for (let i = 0; i < 100 && seen.at(-1)?.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen.push(await runContainers([image]));
    }
    expect(seen.at(-1)).toHaveLength(1);
    ac.abort();
    await expect(running).rejects.toThrow(EngineError);
    await expect(running).rejects.toThrow(/cancelled/);
    expect(await runContainers([image])).toEqual([]);
  });

  it('rejects at once when already aborted, and on a missing image, leaving nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runInContainer(docker, image, 'true', { signal: ac.signal })).rejects.toThrow(/cancelled/);
    await expect(runInContainer(docker, 'sha256:' + '0'.repeat(64), 'true')).rejects.toThrow(/could not create a container/);
    expect(await runContainers([image])).toEqual([]);
  });

  it('keeps at most maxOutputBytes per stream', async () => {
    const r = await runInContainer(docker, image, 'head -c 100000 /dev/zero | tr "\\0" x', { maxOutputBytes: 1000 });
    expect(r.stdout).toHaveLength(1000);
    expect(r.truncated).toBe(true);
  });
});

describe('runCommands', () => {
  it('runs several commands in one container, each with its own output and exit code', async () => {
    const r = await runCommands(docker, image, [
      { name: 'a', command: 'echo one' },
      { name: 'b', command: 'echo two >&2; exit 2' },
      { name: 'c', command: 'echo "unbalanced' },
      { name: 'd', command: 'id -u' },
    ]);
    console.log(`4 commands in one container: ${r.durationMs} ms`);
    expect(r.results.map((x) => [x.name, x.stdout, x.stderr.trim() !== '', x.exitCode])).toEqual([
      ['a', 'one\n', false, 0],
      ['b', '', true, 2],
      ['c', '', true, 2],
      ['d', '0\n', false, 0],
    ]);
    expect(await runContainers([image])).toEqual([]);
  });

  it('marks the command cut off by the time limit and the ones after it', async () => {
    const r = await runCommands(
      docker,
      image,
      [
        { name: 'first', command: 'echo done' },
        { name: 'slow', command: 'echo begun; sleep 30' },
        { name: 'never', command: 'echo never' },
      ],
      { timeoutMs: 1500 },
    );
    expect(r.timedOut).toBe(true);
    expect(r.results.map((x) => [x.name, x.stdout, x.exitCode, x.timedOut])).toEqual([
      ['first', 'done\n', 0, false],
      ['slow', 'begun\n', -1, true],
      ['never', '', -1, true],
    ]);
    expect(await runContainers([image])).toEqual([]);
  });
});

describe('readFilesFromImage', () => {
  it('reads files through one created container, following symlinks, and removes it', async () => {
    const files = await readFilesFromImage(docker, image, ['/data.json', '/link.json', '/missing.json', '/etc']);
    expect(files.get('/data.json')).toEqual({ ok: true, data: Buffer.from('{"a": 1}\n') });
    expect(files.get('/link.json')).toEqual({ ok: true, data: Buffer.from('{"a": 1}\n') });
    expect(files.get('/missing.json')).toEqual({ ok: false, reason: 'no such file: /missing.json' });
    expect(files.get('/etc')).toEqual({ ok: false, reason: '/etc is a directory' });
    expect(await runContainers([image])).toEqual([]);
  });
});
