import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, formatBytes, parseMemory, testHostConfig } from './limits';

describe('parseMemory', () => {
  it('reads bytes and binary units the way docker run --memory does', () => {
    const good: Array<[unknown, number]> = [
      [536870912, 512 * 1024 ** 2],
      ['512m', 512 * 1024 ** 2],
      ['512M', 512 * 1024 ** 2],
      ['512MiB', 512 * 1024 ** 2],
      ['512mb', 512 * 1024 ** 2],
      ['1g', 1024 ** 3],
      ['1.5GiB', 1.5 * 1024 ** 3],
      ['65536k', 64 * 1024 ** 2],
      ['100b', 100],
      ['100', 100],
      [' 2 g ', 2 * 1024 ** 3],
    ];
    for (const [input, bytes] of good) expect(parseMemory(input), String(input)).toBe(bytes);
  });

  it('rejects what is not a positive size', () => {
    for (const bad of ['', 'm', '-1m', '0', 0, -5, '1t', '12 apples', '1e9', null, true, {}, Number.NaN, Infinity]) {
      expect(parseMemory(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('formatBytes', () => {
  it('prints binary units', () => {
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(300 * 1024)).toBe('300 KiB');
    expect(formatBytes(100)).toBe('100 B');
  });
});

describe('testHostConfig', () => {
  it('limits memory without swap, processes and CPUs, with no network and no privilege gain', () => {
    expect(testHostConfig(DEFAULT_LIMITS, false)).toEqual({
      Memory: 536870912,
      MemorySwap: 536870912,
      PidsLimit: 256,
      NanoCpus: 1_000_000_000,
      NetworkMode: 'none',
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      AutoRemove: false,
      Privileged: false,
    });
  });

  it('keeps the default network only when asked, and sends fractional CPUs as NanoCpus', () => {
    const c = testHostConfig({ memoryBytes: 64 * 1024 ** 2, pids: 10, cpus: 0.5 }, true);
    expect(c.NetworkMode).toBe('default');
    expect(c.NanoCpus).toBe(500_000_000);
    expect(c.Memory).toBe(c.MemorySwap);
  });
});
