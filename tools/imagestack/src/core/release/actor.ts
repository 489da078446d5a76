/**
 * Who promotes: the name recorded in a promotion's `by`.
 */
import * as os from 'node:os';

/**
 * The actor of a promotion or revert: `GITHUB_ACTOR` (the user who triggered a GitHub
 * Actions run), else `USER`, else `LOGNAME`, else the operating system's user name
 * (`os.userInfo().username`), else `unknown` (a container user with no passwd entry).
 *
 * @param env the environment to read (default `process.env`)
 */
export function currentActor(env: NodeJS.ProcessEnv = process.env, userInfo: () => { username: string } = os.userInfo): string {
  for (const key of ['GITHUB_ACTOR', 'USER', 'LOGNAME'] as const) {
    const v = env[key]?.trim();
    if (v) return v;
  }
  try {
    const name = userInfo().username.trim();
    if (name) return name;
  } catch {
    /* no passwd entry for this uid */
  }
  return 'unknown';
}
