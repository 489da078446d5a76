import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { parseEngineTarget } from './engine-host';

describe('parseEngineTarget', () => {
  it('reads unix sockets, tcp and ssh addresses, with or without a name', () => {
    expect(parseEngineTarget('unix:///run/docker.sock')).toEqual({ name: 'unix:///run/docker.sock', host: 'unix:///run/docker.sock', options: { socketPath: '/run/docker.sock' } });
    expect(parseEngineTarget('node-a=unix:///tmp/a/docker.sock').name).toBe('node-a');
    expect(parseEngineTarget('gpu1=tcp://10.0.0.5:2375', {}).options).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    expect(parseEngineTarget('10.0.0.5', {}).options).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    expect(parseEngineTarget('tcp://h:2376', { DOCKER_CERT_PATH: '/nonexistent' }).options).toMatchObject({ protocol: 'https', port: 2376 });
    expect(parseEngineTarget('ssh://me@build-3', {}).options).toMatchObject({ protocol: 'ssh', host: 'build-3', port: 22, username: 'me' });
  });

  it('refuses what it cannot read, naming the value', () => {
    for (const bad of ['', 'a=', 'unix://relative.sock', 'ftp://h', 'tcp://']) {
      expect(() => parseEngineTarget(bad), bad).toThrow(InputError);
    }
    expect(() => parseEngineTarget('ftp://h')).toThrow(/--engine ftp:\/\/h.*\n.*fix: write \[name=\]unix/);
  });
});
