/**
 * Which user a test runs as. Tests never run as root unless specs.yml asks (`test.user`):
 *
 * 1. the image's configured `USER` (`Config.User`), when it is not root;
 * 2. otherwise uid 1000, when the image's `/etc/passwd` has a user with uid 1000 (the
 *    common "first user" of Debian/Ubuntu images and of most sandbox images), run as `1000`
 *    so the engine takes its group and `$HOME` from `/etc/passwd`;
 * 3. otherwise `65534:65534` (nobody/nogroup), group given explicitly because the engine
 *    would pick gid 0 for a uid missing from `/etc/passwd`.
 *
 * `/etc/passwd` is read from a created, never started container (`GET
 * /containers/{id}/archive`, Docker Engine API v1.41), which is then removed.
 */
import type { ContainerEngine } from '../../ports';
import * as tar from 'tar-stream';

/** The label every container imagestack starts carries (to find leftovers). */
export const RUN_LABEL = 'io.imagestack.run';

/** The user chosen and why, for the log. */
export interface TestUser {
  /** The `User` of the container: `1000`, `sandbox`, `65534:65534`. */
  user: string;
  /** Why, in words: "the image's USER", "uid 1000 (sandbox) from /etc/passwd", … */
  why: string;
}

/** True for an empty user (the engine's default, root), `root` or uid 0, with or without a group. */
export function isRootUser(user: string | undefined): boolean {
  const name = (user ?? '').split(':')[0].trim();
  return name === '' || name === 'root' || /^0+$/.test(name);
}

/**
 * The users of an `/etc/passwd` text, by uid (`name:password:uid:gid:gecos:home:shell`);
 * malformed lines and comments are ignored.
 */
export function passwdUsers(passwd: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4 || line.startsWith('#') || !/^[0-9]+$/.test(fields[2])) continue;
    const uid = Number(fields[2]);
    if (!users.has(uid)) users.set(uid, fields[0]);
  }
  return users;
}

/**
 * Chooses the user by the rules above.
 *
 * @param configUser the image's `Config.User` (may be empty)
 * @param passwd the image's `/etc/passwd`, when it has one (only read when the image's user is root)
 */
export function chooseTestUser(configUser: string | undefined, passwd: string | undefined): TestUser {
  if (!isRootUser(configUser)) return { user: configUser!.trim(), why: "the image's USER" };
  const name = passwdUsers(passwd ?? '').get(1000);
  if (name !== undefined) return { user: '1000', why: `the image's USER is root; uid 1000 (${name}) from /etc/passwd` };
  return { user: '65534:65534', why: "the image's USER is root and /etc/passwd has no uid 1000; nobody" };
}

/**
 * Reads one regular file of an image without running it: creates a container (never
 * started, no network), copies the file out, removes the container.
 *
 * @returns the file's content as UTF-8, or undefined when the image has no such regular file
 * @throws the engine's error when the container cannot be created (e.g. unknown image)
 */
export async function readImageFile(docker: ContainerEngine, imageId: string, file: string, labels: Record<string, string> = {}): Promise<string | undefined> {
  const container = await docker.createContainer({
    Image: imageId,
    Entrypoint: ['/imagestack-never-started'],
    Cmd: [],
    Labels: { [RUN_LABEL]: '1', ...labels },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: file });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
    const extract = tar.extract();
    let content: string | undefined;
    const done = (async () => {
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        if (content === undefined && entry.header.type === 'file') content = Buffer.concat(chunks).toString('utf8');
      }
    })();
    archive.pipe(extract);
    await done;
    return content;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * The user a test of `imageId` runs as (rules above). Reads the image's configuration
 * (`GET /images/{id}/json`) and, when its user is root, its `/etc/passwd`.
 */
export async function detectTestUser(docker: ContainerEngine, imageId: string, labels: Record<string, string> = {}): Promise<TestUser> {
  const info = await docker.getImage(imageId).inspect();
  const configUser = info.Config?.User;
  if (!isRootUser(configUser)) return chooseTestUser(configUser, undefined);
  return chooseTestUser(configUser, await readImageFile(docker, imageId, '/etc/passwd', labels));
}
