/**
 * The build args and engine tags the pipeline gives a child whose Dockerfile names its parents
 * by another convention (README, "How a Dockerfile names its parents"), with the recording
 * fakes of the ports (`__fixtures__/ports.ts`: FakeEngine stands for the Docker engine, whose
 * journal records builds, tags and untags in order). The same against the real engine:
 * test/conventions.test.ts.
 *
 * Stack: base ← mid ← leaf, and base ← side; mid names base as `FROM $BASE_IMAGE` with
 * `references.args` (REGISTRY, OWNER), leaf and side name their parent as
 * `FROM ghcr.io/org/<parent>:${BASE_TAG}` (an alias the build needs).
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from './execute';
import { fakeRun, fakeSetup, NAMESPACE, REGISTRY, VERSION } from './__fixtures__/ports';

const GRAPH = { base: [], mid: ['base'], leaf: ['mid'], side: ['base'] };
const TAG = `${VERSION}-abc1234`;

function setup() {
  const s = fakeSetup(GRAPH);
  Object.assign(s.stack.specs, { references: { registry: 'ghcr.io', namespace: 'org', args: { registry: 'REGISTRY', namespace: 'OWNER' } } });
  const images = s.stack.images;
  images.get('mid')!.parents[0].args = [{ name: 'BASE_IMAGE', value: 'reference' }];
  for (const [child, parent] of [['leaf', 'mid'], ['side', 'base']]) {
    const p = images.get(child)!.parents[0];
    p.args = [{ name: 'BASE_TAG', value: 'tag' }];
    p.aliases = [`ghcr.io/org/${parent}`];
  }
  return s;
}

describe('build args and aliases of the parent conventions', () => {
  it('passes the whole reference (no digest), the tag to any ARG, and the references ARGs; REGISTRY is then the host', async () => {
    const { stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    await executePlan(run, plan, { toBuild });
    const args = (image: string) => engine.builds.find((b) => b.labels['io.imagestack.image'] === image)!.buildArgs;
    expect(args('mid')).toMatchObject({ BASE_IMAGE: `${REGISTRY}/${NAMESPACE}/base:${TAG}`, REGISTRY, OWNER: NAMESPACE });
    expect(args('mid')).not.toHaveProperty('BASE_TAG');
    expect(args('leaf')).toMatchObject({ BASE_TAG: TAG, REGISTRY, OWNER: NAMESPACE });
    expect(args('leaf')).not.toHaveProperty('MID_TAG'); // only the ARGs the Dockerfile uses for its parents
  });

  it('tags each parent under the spelling the Dockerfile uses for the time of the build, then removes the tag', async () => {
    const { stack, plan, registry, engine, journal } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    await executePlan(run, plan, { toBuild });
    const around = (image: string, alias: string) => {
      const build = journal.indexOf(`build ${image}`);
      expect(journal.lastIndexOf(`tag ${alias}`, build)).toBeGreaterThanOrEqual(0);
      expect(journal.indexOf(`untag ${alias}`, build)).toBeGreaterThan(build);
    };
    around('leaf', `ghcr.io/org/mid:${TAG}`);
    around('side', `ghcr.io/org/base:${TAG}`);
    expect([...engine.local.keys()].filter((k) => k.startsWith('ghcr.io/'))).toEqual([]); // nothing left behind
  });
});
