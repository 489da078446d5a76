/**
 * Platforms as written in specs.yml and as the OCI image index names them: `os/architecture[/variant]`
 * (`linux/amd64`, `linux/arm64`, `linux/arm/v7`), the `platform` object of an image index's
 * manifest descriptor (OCI image-spec v1.1, "Image Index", `manifests[].platform`).
 */

/** The `platform` object of an OCI image index entry (the fields imagestack uses). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The pattern of a platform in specs.yml (as specs.schema.json's `platforms` items). */
export const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

/**
 * Splits `os/architecture[/variant]`.
 * @throws Error when `text` does not match {@link PLATFORM_PATTERN} (specs.yml's platforms are validated at load)
 */
export function parsePlatform(text: string): Platform {
  if (!PLATFORM_PATTERN.test(text)) throw new Error(`not a platform (os/architecture[/variant]): ${JSON.stringify(text)}`);
  const [os, architecture, variant] = text.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `os/architecture[/variant]` of a platform object (e.g. an index entry's `platform`). */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/**
 * What `uname -m` prints in a container of each architecture (Linux's machine names), for
 * checking that a container really runs on the platform asked for. Architectures not listed
 * print their own name.
 */
const UNAME_MACHINE: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7l',
  '386': 'i686',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** The `uname -m` of a container of `platform` (`linux/arm64` → `aarch64`). */
export function unameMachine(platform: string): string {
  const { architecture, variant } = parsePlatform(platform);
  if (architecture === 'arm' && variant === 'v6') return 'armv6l';
  return UNAME_MACHINE[architecture] ?? architecture;
}
