import { describe, expect, it } from 'vitest';
import { chooseTestUser, isRootUser, passwdUsers } from './user';

const DEBIAN_PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');
const WITH_SANDBOX = `${DEBIAN_PASSWD}\nsandbox:x:1000:1000::/home/sandbox:/bin/bash\n`;

describe('isRootUser', () => {
  it('treats empty, root and uid 0 (with any group) as root', () => {
    for (const u of [undefined, '', ' ', 'root', '0', '00', 'root:root', '0:0', '0:1000', 'root:staff']) expect(isRootUser(u), String(u)).toBe(true);
    for (const u of ['1000', 'sandbox', '1000:1000', '65534:65534', 'rooted', '10']) expect(isRootUser(u), u).toBe(false);
  });
});

describe('passwdUsers', () => {
  it('maps uids to names, skipping comments and malformed lines', () => {
    const users = passwdUsers(`# comment\n${WITH_SANDBOX}garbage\nbad:x:notanumber:1::/:/bin/sh\n`);
    expect(users.get(0)).toBe('root');
    expect(users.get(1000)).toBe('sandbox');
    expect(users.get(65534)).toBe('nobody');
    expect(users.size).toBe(4);
  });
});

describe('chooseTestUser', () => {
  it("keeps the image's non-root USER", () => {
    expect(chooseTestUser('1000', undefined).user).toBe('1000');
    expect(chooseTestUser('sandbox', DEBIAN_PASSWD).user).toBe('sandbox');
    expect(chooseTestUser('app:app', undefined).user).toBe('app:app');
  });

  it('runs as uid 1000 when the image runs as root and has such a user', () => {
    expect(chooseTestUser('', WITH_SANDBOX)).toEqual({ user: '1000', why: expect.stringContaining('uid 1000 (sandbox)') });
    expect(chooseTestUser('root', WITH_SANDBOX).user).toBe('1000');
  });

  it('falls back to nobody with an explicit group', () => {
    expect(chooseTestUser('', DEBIAN_PASSWD).user).toBe('65534:65534');
    expect(chooseTestUser('0', undefined).user).toBe('65534:65534');
  });
});
