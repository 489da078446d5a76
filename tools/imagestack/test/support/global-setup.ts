/**
 * Vitest global setup for the integration project: makes a real Docker engine and a real
 * registry available by running the repo's own script (tools/engine/up.sh), then exports
 * DOCKER_HOST and IMAGESTACK_REGISTRY to the test workers. Nothing here is faked.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export default function setup(): void {
  const script = path.resolve(__dirname, '../../../engine/up.sh');
  const envFile = execFileSync('bash', [script, '--env-file'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
}
