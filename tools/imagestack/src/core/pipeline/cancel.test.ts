/**
 * Cancellation reaches the run's registry requests (issue 11, fault probes): a cancel aborts
 * a registry request in flight at once (a HEAD the registry never answers, during planning),
 * and a cancelled CI job still leaves its failure markers (`core/ci/markers.ts`) through a
 * client without the run's signal. Real git (a temporary repository), the real registry
 * client against a small node:http server that stands for the registry (one that never
 * answers; one that has no tags and stores what is PUT), and FakeEngine standing for the
 * Docker engine (DockerEngine). Against the real engine and registry: test/ci-matrix.test.ts
 * (markers) and test/faults.test.ts (a cancel during a push).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, TestRepo, workspaceFiles } from '../git/__fixtures__/test-repo';
import { FakeEngine, FakeRegistry, type Journal } from './__fixtures__/ports';
// The compiled pipeline (`npm run build` first, as for the integration tests): planning
// loads the registry client with a lazy `require` (start-up time), which only the compiled
// files satisfy.
import { runPipeline } from '../../../dist/core/pipeline/run';

const servers: http.Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  removeTempDirs();
});

/** A registry on 127.0.0.1 answering with `handler`; resolves to its host:port. */
async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function workspace(): string {
  const repo = TestRepo.create();
  repo.commit('stack', workspaceFiles({ images: { base: {} }, versions: ['2026.1'] }));
  return path.join(repo.dir, 'specs.yml');
}

describe('cancelling a run aborts its registry requests', () => {
  it('a HEAD the registry never answers, during planning, ends at once with CancelledError', async () => {
    const requests: string[] = [];
    const registry = await serve((req) => requests.push(`${req.method} ${req.url}`)); // accepts, never answers
    const journal: Journal = [];
    const abort = new AbortController();
    const run = runPipeline({ specsFile: workspace(), registry, signal: abort.signal, engine: new FakeEngine(journal, new FakeRegistry(journal)) });
    while (!requests.length) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    // Without the signal the request waits for its 30 s time limit and its retries.
    // By name: the registry client is loaded by `require`, apart from this file's imports.
    await expect(run).rejects.toMatchObject({ name: 'CancelledError', message: expect.stringMatching(/^HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/test\/base\/manifests\/2026\.1-\w+ was cancelled$/) });
    expect(journal).toEqual([]);
  });

  it('a cancelled CI job still writes its failure markers after the abort', async () => {
    const puts: string[] = [];
    const registry = await serve((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        if (req.method === 'PUT') {
          puts.push(req.url!);
          res.writeHead(201, { 'docker-content-digest': `sha256:${createHash('sha256').update(Buffer.concat(body)).digest('hex')}` }).end();
        } else if (req.url === '/v2/') res.writeHead(200).end('{}');
        else res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      });
    });
    const journal: Journal = [];
    const abort = new AbortController();
    const engine = new FakeEngine(journal, new FakeRegistry(journal));
    engine.onBuilt = () => abort.abort(); // Ctrl-C / a CI cancel while base builds
    const result = await runPipeline({ specsFile: workspace(), registry, signal: abort.signal, engine, runId: '42-1' });
    expect(result.results.map((r) => r.status)).toEqual(['cancelled']);
    expect(result.results[0].error ?? '').not.toMatch(/failure marker/);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatch(/^\/v2\/test\/[^/]+\/manifests\//);
    expect(journal).not.toContain('push base');
  });
});
