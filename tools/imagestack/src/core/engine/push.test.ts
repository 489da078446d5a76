import { describe, expect, it } from 'vitest';
import { authAdvice } from './push';

describe('authAdvice: what to do when the registry refuses the engine', () => {
  const auth = { username: 'robot', password: 'never-shown-1234', serveraddress: 'r.example:5000' };

  it('names the account (never the password) and how to give other credentials', () => {
    const advice = authAdvice('denied: requested access to the resource is denied', 'r.example:5000/team/app', auth, 'push');
    expect(advice).toBe(
      ' (the registry refused the push with account robot: check that it may push team/app, or set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login r.example:5000)',
    );
    expect(advice).not.toContain('never-shown');
  });

  it('says when the engine had no credentials at all', () => {
    expect(authAdvice('unauthorized: authentication required', 'localhost/team/app', undefined, 'pull')).toBe(
      ' (the engine had no credentials for localhost: set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login localhost)',
    );
    expect(authAdvice('unauthorized: authentication required', 'library/debian', undefined, 'pull')).toContain('docker login docker.io');
  });

  it('adds nothing to other failures', () => {
    expect(authAdvice('connection refused', 'r.example/a', auth, 'push')).toBe('');
    expect(authAdvice('manifest unknown', 'r.example/a', undefined, 'pull')).toBe('');
  });
});
