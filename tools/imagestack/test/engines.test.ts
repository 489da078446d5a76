/** The extra-engine support itself: two private engines start, hold the base image, and stop cleanly. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEngine } from './support/engines';

describe('extra engines', () => {
  it('start beside the main engine with the same base image, and leave nothing behind', async () => {
    const [a, b] = await Promise.all([startEngine('a'), startEngine('b')]);
    try {
      const id = (host: string) =>
        execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', 'debian:bookworm-slim'], { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8' }).trim();
      expect(id(a.dockerHost)).toBe(id(process.env.DOCKER_HOST!));
      expect(id(b.dockerHost)).toBe(id(process.env.DOCKER_HOST!));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir)).toBe(false);
  }, 120_000);
});
