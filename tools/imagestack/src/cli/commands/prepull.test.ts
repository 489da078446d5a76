import { describe, expect, it } from 'vitest';
import { summarize } from '../../core/prepull/summary';
import type { PullResult } from '../../core/prepull/types';
import { prepullTable } from './prepull';

const res = (engine: string, image: string, status: PullResult['status'], reason?: string, bytes = 0): PullResult => ({
  engine,
  image,
  version: '2026.1',
  tag: '2026.1-stable',
  reference: `127.0.0.1:5000/ns/${image}:2026.1-stable@sha256:${image[0].repeat(64)}`,
  status,
  bytes,
  ms: 10,
  ...(reason ? { reason } : {}),
});

describe('prepull summary', () => {
  const results = [
    res('node-a', 'base', 'pulled', undefined, 1_500_000),
    res('node-a', 'python', 'present'),
    res('node-b', 'base', 'failed', 'engine unreachable: connect ENOENT /tmp/b/docker.sock'),
    res('node-b', 'python', 'failed', 'engine unreachable: connect ENOENT /tmp/b/docker.sock'),
    res('node-c', 'base', 'present'),
    res('node-c', 'python', 'failed', 'timed out after 10m'),
  ];

  it('counts what each node has', () => {
    expect(summarize(results)).toEqual({ engines: 3, images: 2, pulled: 1, present: 2, missing: 3, bytes: 1_500_000, incompleteEngines: ['node-b', 'node-c'] });
  });

  it('shows images by node, and each failure reason once per node', () => {
    expect(prepullTable(results)).toBe(
      [
        'image                 node-a         node-b  node-c',
        '--------------------  -------------  ------  -------',
        'base:2026.1-stable    pulled 1.5 MB  FAILED  present',
        'python:2026.1-stable  present        FAILED  FAILED',
        '',
        'failed:',
        '  node-b: every image: engine unreachable: connect ENOENT /tmp/b/docker.sock',
        '  node-c: python:2026.1: timed out after 10m',
      ].join('\n'),
    );
  });
});
