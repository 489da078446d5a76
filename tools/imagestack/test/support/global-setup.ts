/**
 * Vitest global setup for the integration project: makes a real Docker engine and a real
 * registry available by running the repo's own script (tools/engine/up.sh), then exports
 * DOCKER_HOST and IMAGESTACK_REGISTRY to the test workers. Nothing here is faked.
 * `--platforms linux/arm64`, as `npm run main` runs it: the example stack's bash and bash-assert
 * are built FROM the base index it publishes (and arm64 runs under QEMU emulation); idempotent,
 * the arm64 debootstrap is cached under /var/lib/imagestack/cache.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export default function setup(): void {
  const script = path.resolve(__dirname, '../../../engine/up.sh');
  const envFile = execFileSync('bash', [script, '--platforms', 'linux/arm64', '--env-file'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
}
