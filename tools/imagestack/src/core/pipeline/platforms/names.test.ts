// The per-platform local names (pure functions; no port involved).
import { describe, expect, it } from 'vitest';
import { hostPlatform, platformEntry, platformReference, platformTag } from './names';

const e = { tag: '1-abc1234', repository: '127.0.0.1:5000/ns/base', reference: '127.0.0.1:5000/ns/base:1-abc1234' };

describe('per-platform local names', () => {
  it('the engine platform keeps the tag; another platform appends itself; the whole stays within 128 characters', () => {
    expect(platformTag(e, 'linux/amd64', 'linux/amd64')).toBe('1-abc1234');
    expect(platformTag(e, 'linux/arm64', 'linux/amd64')).toBe('1-abc1234-linux-arm64');
    expect(platformReference(e, 'linux/arm/v7', 'linux/amd64')).toBe('127.0.0.1:5000/ns/base:1-abc1234-linux-arm-v7');
    const long = platformTag({ tag: `1-${'x'.repeat(126)}` }, 'linux/arm64', 'linux/amd64');
    expect(long).toHaveLength(128);
    expect(long.endsWith('-linux-arm64')).toBe(true);
  });

  it('hostPlatform maps Node\'s architecture names to the OCI ones', () => {
    expect(hostPlatform('x64')).toBe('linux/amd64');
    expect(hostPlatform('arm64')).toBe('linux/arm64');
  });

  it('platformEntry gives a foreign platform\'s gates its own tag and reference, the engine platform the entry as it is', () => {
    const entry = { ...e, image: 'base' } as unknown as Parameters<typeof platformEntry>[0];
    expect(platformEntry(entry, 'linux/amd64', 'linux/amd64')).toBe(entry);
    expect(platformEntry(entry, 'linux/arm64', 'linux/amd64')).toMatchObject({ tag: '1-abc1234-linux-arm64', reference: '127.0.0.1:5000/ns/base:1-abc1234-linux-arm64' });
  });
});
