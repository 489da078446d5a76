import { describe, expect, it } from 'vitest';
import { groupDescriptiveTags } from './assemble';

describe('site: descriptive tags', () => {
  it('lists descriptive tags under the <version>-<sha7> row of the same digest', () => {
    const tags = [
      { tag: '2026.1-2023-11-14-abc1234', digest: 'sha256:a' },
      { tag: '2026.1-abc1234', digest: 'sha256:a' },
      { tag: '2026.1-abc1234.force-20261207T100000', digest: 'sha256:b' },
      { tag: '2026.1-python-3.11', digest: 'sha256:a' },
      { tag: '2026.1-python-3.11.2-abc1234', digest: 'sha256:a' },
      { tag: '2026.1-odd', digest: 'sha256:c' },
    ];
    const { rows, byDigest } = groupDescriptiveTags(tags, '2026.1');
    expect(rows.map((t) => t.tag)).toEqual(['2026.1-abc1234', '2026.1-abc1234.force-20261207T100000', '2026.1-odd']);
    expect(byDigest.get('sha256:a')).toEqual(['2026.1-2023-11-14-abc1234', '2026.1-python-3.11', '2026.1-python-3.11.2-abc1234']);
  });
});
