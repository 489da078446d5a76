import { describe, expect, it } from 'vitest';
import { currentActor } from './actor';

describe('currentActor', () => {
  const os = () => ({ username: 'osuser' });
  it('prefers GITHUB_ACTOR, then USER, then LOGNAME, then the OS user', () => {
    expect(currentActor({ GITHUB_ACTOR: 'octocat', USER: 'u', LOGNAME: 'l' }, os)).toBe('octocat');
    expect(currentActor({ USER: 'u', LOGNAME: 'l' }, os)).toBe('u');
    expect(currentActor({ USER: ' ', LOGNAME: 'l' }, os)).toBe('l');
    expect(currentActor({}, os)).toBe('osuser');
  });
  it('says unknown when even the OS has no name for the user', () => {
    expect(
      currentActor({}, () => {
        throw new Error('ENOENT: no passwd entry');
      }),
    ).toBe('unknown');
  });
});
