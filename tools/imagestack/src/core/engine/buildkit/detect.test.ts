/**
 * Finding a BuildKit client among the `docker` executables on PATH. Each "CLI" here is a small
 * shell script standing for a Docker CLI: it answers `version --format {{json .}}` with a client
 * and an engine version, and `buildx version` when it has the plugin. The real CLIs are used by
 * test/buildkit.test.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBuildkitClient } from './detect';

function fakeCli(dir: string, client: string, engine: string | null, buildx: boolean): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'docker');
  const server = engine ? `{"Version":"${engine}","Os":"linux"}` : 'null';
  writeFileSync(
    file,
    `#!/bin/sh\ncase "$1" in\n  version) echo '{"Client":{"Version":"${client}"},"Server":${server}}'; [ "${engine ?? ''}" ] || { echo 'Cannot connect to the Docker daemon' >&2; exit 1; } ;;\n  buildx) ${buildx ? 'echo "github.com/docker/buildx v0.20.0"' : 'echo "docker: unknown command: docker buildx" >&2; exit 1'} ;;\nesac\n`,
  );
  chmodSync(file, 0o755);
  return dir;
}

const root = mkdtempSync(path.join(tmpdir(), 'imagestack-detect-'));
const env = (...dirs: string[]) => ({ PATH: dirs.join(path.delimiter) });

describe('findBuildkitClient', () => {
  it('passes over a CLI of 23 or later without buildx, and takes one older than 23 (its built-in client)', async () => {
    const newer = fakeCli(path.join(root, 'a'), '28.2.2', '20.10.24', false);
    const older = fakeCli(path.join(root, 'b'), '20.10.24', '20.10.24', false);
    const found = await findBuildkitClient(env(newer, older), []);
    expect(found).toMatchObject({ command: path.join(older, 'docker'), kind: 'builtin', engineVersion: '20.10.24' });
  });

  it('takes the first CLI with buildx', async () => {
    const buildx = fakeCli(path.join(root, 'c'), '28.2.2', '28.2.2', true);
    const older = fakeCli(path.join(root, 'd'), '20.10.24', '20.10.24', false);
    expect(await findBuildkitClient(env(buildx, older), [])).toMatchObject({ command: path.join(buildx, 'docker'), kind: 'buildx' });
  });

  it('says why there is none, and whether the engine answered', async () => {
    const newer = fakeCli(path.join(root, 'e'), '28.2.2', '28.2.2', false);
    const found = await findBuildkitClient(env(newer), []);
    expect(found).toMatchObject({ why: expect.stringContaining('has no buildx plugin') });
    expect('engineDown' in found).toBe(false);
    const down = fakeCli(path.join(root, 'f'), '28.2.2', null, false);
    expect(await findBuildkitClient(env(down), [])).toMatchObject({ why: expect.stringContaining('the engine does not answer'), engineDown: true });
  });
});
