// holdAliases with a recording stand-in for the engine's tag calls (the real engine:
// test/conventions.test.ts, datahub-style stack). Counts are per run object.
import { describe, expect, it } from 'vitest';
import { holdAliases } from './aliases';

function engine(failOn?: string) {
  const journal: string[] = [];
  return {
    journal,
    tagImage: async (reference: string, alias: string) => {
      if (alias === failOn) throw new Error(`could not tag ${reference} as ${alias}`);
      journal.push(`tag ${alias}`);
    },
    untagImage: async (alias: string) => void journal.push(`untag ${alias}`),
  };
}

describe('holdAliases', () => {
  it('removes a name only when the last build holding it in the run ends', async () => {
    const e = engine();
    const run = {};
    const a = await holdAliases(run, e, new Map([['ghcr.io/o/base:1', 'r/base:1']]));
    const b = await holdAliases(run, e, new Map([['ghcr.io/o/base:1', 'r/base:1'], ['ghcr.io/o/mid:1', 'r/mid:1']]));
    await a();
    expect(e.journal).toEqual(['tag ghcr.io/o/base:1', 'tag ghcr.io/o/base:1', 'tag ghcr.io/o/mid:1']);
    await b();
    await b(); // a second release does nothing
    expect(e.journal.slice(3)).toEqual(['untag ghcr.io/o/base:1', 'untag ghcr.io/o/mid:1']);
    // Another run counts apart.
    const c = await holdAliases({}, e, new Map([['ghcr.io/o/base:1', 'r/base:1']]));
    await c();
    expect(e.journal.slice(5)).toEqual(['tag ghcr.io/o/base:1', 'untag ghcr.io/o/base:1']);
  });

  it('when a tag fails, releases what it tagged and throws', async () => {
    const e = engine('ghcr.io/o/mid:1');
    await expect(holdAliases({}, e, new Map([['ghcr.io/o/base:1', 'r/base:1'], ['ghcr.io/o/mid:1', 'r/mid:1']]))).rejects.toThrow('could not tag r/mid:1');
    expect(e.journal).toEqual(['tag ghcr.io/o/base:1', 'untag ghcr.io/o/base:1', 'untag ghcr.io/o/mid:1']);
  });
});
