/**
 * The two names of a stack image's repository, built in one place.
 *
 * - **repository** (the OCI distribution spec's `<name>`, section "Pulling manifests"): the
 *   path inside the registry, `<namespace>/<image>`, e.g. `imagestack-example/python`. This
 *   is what the registry API takes (`/v2/<repository>/manifests/<tag>`).
 * - **qualified repository**: the repository prefixed by its registry host,
 *   `<registry>/<namespace>/<image>`, e.g. `127.0.0.1:5000/imagestack-example/python`. This is
 *   what the engine takes (`docker pull <qualified repository>:<tag>`), and what `plan --json`
 *   prints under its (stable) field name `repository`.
 *
 * A reference is a qualified repository with a `:tag` and/or `@digest`; split references
 * only with {@link parseReference} (./reference.ts), never by hand.
 */

/** `<namespace>/<image>`: the repository in the OCI sense (no registry host). */
export function repositoryOf(namespace: string, image: string): string {
  return `${namespace}/${image}`;
}

/** `<registry>/<namespace>/<image>`: the registry-qualified repository. */
export function qualifiedRepositoryOf(registry: string, namespace: string, image: string): string {
  return `${registry}/${repositoryOf(namespace, image)}`;
}

/** `<qualified repository>:<tag>`: the reference of one tag. */
export function tagReference(qualifiedRepository: string, tag: string): string {
  return `${qualifiedRepository}:${tag}`;
}

/** `<qualified repository>@<digest>`: the reference of one manifest by its digest. */
export function digestReference(qualifiedRepository: string, digest: string): string {
  return `${qualifiedRepository}@${digest}`;
}
