/**
 * Resource limits of a test container and their translation into the engine's
 * `HostConfig` (Docker Engine API v1.41, "ContainerCreate" → `HostConfig`: `Memory`,
 * `MemorySwap`, `PidsLimit`, `NanoCpus`, `NetworkMode`, `SecurityOpt`, `CapDrop`).
 * Pure: no I/O.
 */

/** The limits a test suite runs under. */
export interface TestLimits {
  /** Memory limit in bytes; swap is disabled (`MemorySwap` = `Memory`). */
  memoryBytes: number;
  /** Maximum number of processes (and threads) in the container. */
  pids: number;
  /** CPUs, fractional allowed (`1.5`); sent as `NanoCpus` = cpus × 10⁹. */
  cpus: number;
}

/** Defaults when specs.yml sets no `test.limits`: 512 MiB, 256 processes, 1 CPU. */
export const DEFAULT_LIMITS: Readonly<TestLimits> = Object.freeze({
  memoryBytes: 512 * 1024 * 1024,
  pids: 256,
  cpus: 1,
});

/** The engine refuses memory limits below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Parses a memory size: a number of bytes (`536870912`) or a string with a binary unit, as
 * `docker run --memory` reads it: `512m`, `512M`, `512MiB`, `1g`, `1.5GiB`, `65536k`, `100b`.
 * Units are powers of 1024 (`k` = KiB, `m` = MiB, `g` = GiB).
 *
 * @returns the size in bytes (rounded down to a whole byte), or `undefined` when `value` is
 *   not a positive size in one of these forms
 */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:([bkmg])(?:i?b)?)?\s*$/i.exec(value);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
  return bytes > 0 ? bytes : undefined;
}

/** A size for people: `512 MiB`, `1.5 GiB`, `300 KiB`, `100 B`. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}

/**
 * The `HostConfig` of a test container: the limits, no network unless asked, no privilege
 * gain (`no-new-privileges`: setuid binaries such as `su` and `sudo` do not elevate), no
 * capabilities (`CapDrop: ALL`: a non-root user has none anyway; a test that asked for
 * `user: root` runs as a root without capabilities).
 *
 * @param network true to keep the engine's default network (`test.network: true`);
 *   otherwise `NetworkMode: 'none'` (loopback only)
 */
export function testHostConfig(limits: TestLimits, network: boolean): {
  Memory: number;
  MemorySwap: number;
  PidsLimit: number;
  NanoCpus: number;
  NetworkMode: string;
  SecurityOpt: string[];
  CapDrop: string[];
  AutoRemove: false;
  Privileged: false;
} {
  return {
    Memory: limits.memoryBytes,
    MemorySwap: limits.memoryBytes, // equal to Memory: no swap on top of it
    PidsLimit: limits.pids,
    NanoCpus: Math.round(limits.cpus * 1e9),
    NetworkMode: network ? 'default' : 'none',
    SecurityOpt: ['no-new-privileges'],
    CapDrop: ['ALL'],
    AutoRemove: false, // removed by us, after reading the exit code (and on every failure path)
    Privileged: false,
  };
}
