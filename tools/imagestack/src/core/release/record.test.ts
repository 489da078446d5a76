import { describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import { sha256Digest } from '../registry/digest';
import {
  movesGlobalStable,
  OCI_EMPTY_MEDIA_TYPE,
  PROMOTION_MEDIA_TYPE,
  changedImages,
  decodePromotion,
  decodeRecordManifest,
  encodePromotion,
  nextPromotionNumber,
  parsePromotionTag,
  promotionNumbers,
  promotionTag,
  promotionsRepository,
} from './record';
import type { Promotion } from './types';

const D = (c: string) => `sha256:${c.repeat(64)}`;

const SAMPLE: Promotion = {
  number: 3,
  version: '2026.2',
  kind: 'promote',
  commit: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
  at: '2026-11-21T06:30:00.000Z',
  by: 'octocat',
  images: [
    { image: 'base', repository: 'r:5000/ns/base', sourceTag: '2026.2-1a2b3c4', stableTag: '2026.2-stable', previousDigest: null, digest: D('a'), mediaType: 'application/vnd.oci.image.index.v1+json' },
    { image: 'mid', repository: 'r:5000/ns/mid', sourceTag: '2026.2-1a2b3c4', stableTag: '2026.2-stable', previousDigest: D('b'), digest: D('b'), mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
  ],
};

describe('record tags', () => {
  it('are <version>-<number padded to 6>', () => {
    expect(promotionTag('2026.2', 3)).toBe('2026.2-000003');
    expect(promotionTag('2026.2', 1234567)).toBe('2026.2-1234567');
    expect(() => promotionTag('2026.2', 0)).toThrow(RangeError);
    expect(promotionsRepository('imagestack-example')).toBe('imagestack-example/imagestack-promotions');
  });
  it('parse back for their version only', () => {
    expect(parsePromotionTag('2026.2-000003', '2026.2')).toBe(3);
    expect(parsePromotionTag('2026.2-1234567', '2026.2')).toBe(1234567);
    expect(parsePromotionTag('2026.2-000003', '2026.1')).toBeUndefined();
    expect(parsePromotionTag('2026x2-000003', '2026.2')).toBeUndefined(); // the dot is literal
    expect(parsePromotionTag('2026.2-rc-000001', '2026.2')).toBeUndefined();
    expect(parsePromotionTag('2026.2-rc-000001', '2026.2-rc')).toBe(1);
    expect(parsePromotionTag('2026.2-00003', '2026.2')).toBeUndefined();
    expect(parsePromotionTag('2026.2-000000', '2026.2')).toBeUndefined();
    expect(parsePromotionTag('2026.2-stable', '2026.2')).toBeUndefined();
  });
  it('next number is max + 1 of that version, gaps kept', () => {
    const tags = ['2026.1-000007', '2026.2-000001', '2026.2-000004', 'latest', '2026.2-000002'];
    expect(promotionNumbers(tags, '2026.2')).toEqual([4, 2, 1]);
    expect(nextPromotionNumber(tags, '2026.2')).toBe(5);
    expect(nextPromotionNumber(tags, '2026.1')).toBe(8);
    expect(nextPromotionNumber([], '2026.2')).toBe(1);
  });
});

describe('the global stable tag', () => {
  it('moves with the newest promoted version: no version declared after it has a record', () => {
    const declared = ['2026.1', '2026.2', '2027.1'];
    expect(movesGlobalStable(declared, [], '2026.1')).toBe(true);
    expect(movesGlobalStable(declared, ['2026.1-000001'], '2026.2')).toBe(true);
    expect(movesGlobalStable(declared, ['2026.2-000001'], '2026.1')).toBe(false);
    expect(movesGlobalStable(declared, ['2026.2-000001'], '2026.2')).toBe(true);
    expect(movesGlobalStable(declared, ['2027.1-000003'], '2026.2')).toBe(false);
    expect(movesGlobalStable(declared, [], '2025.9')).toBe(false); // not declared
  });
});

describe('record encoding (OCI artifact)', () => {
  it('is an OCI image manifest with artifactType, the empty config and one promotion layer', () => {
    const e = encodePromotion(SAMPLE);
    const m = JSON.parse(e.manifest.toString());
    expect(m.schemaVersion).toBe(2);
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.artifactType).toBe(PROMOTION_MEDIA_TYPE);
    expect(m.config).toEqual({ mediaType: OCI_EMPTY_MEDIA_TYPE, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 });
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0]).toMatchObject({ mediaType: PROMOTION_MEDIA_TYPE, digest: sha256Digest(e.layer.bytes), size: e.layer.bytes.length });
    expect(e.digest).toBe(sha256Digest(e.manifest));
    expect(encodePromotion(SAMPLE).digest).toBe(e.digest); // deterministic
  });
  it('round-trips', () => {
    const e = encodePromotion(SAMPLE);
    const src = { reference: 'r/ns/imagestack-promotions:2026.2-000003', digest: e.digest };
    expect(decodeRecordManifest(e.manifest, src).digest).toBe(e.layer.descriptor.digest);
    expect(decodePromotion(e.layer.bytes, src, { version: '2026.2', number: 3 })).toEqual(SAMPLE);
  });
  it('keeps unknown fields of newer records', () => {
    const bytes = Buffer.from(JSON.stringify({ ...SAMPLE, newField: 1 }));
    expect(decodePromotion(bytes, { reference: 'x' }, { version: '2026.2', number: 3 })).toMatchObject({ newField: 1 });
  });
  it('lists the images a promotion changed', () => {
    expect(changedImages(SAMPLE).map((i) => i.image)).toEqual(['base']);
  });
});

describe('bad records give a clear error naming the record and the fix', () => {
  const src = { reference: 'r/ns/imagestack-promotions:2026.2-000003', digest: D('c') };
  const manifestOf = (o: unknown) => Buffer.from(JSON.stringify(o));
  const good = JSON.parse(encodePromotion(SAMPLE).manifest.toString());
  const cases: Array<[string, Buffer, RegExp]> = [
    ['not JSON', Buffer.from('<html>'), /manifest is not JSON/],
    ['schema 1', manifestOf({ schemaVersion: 1 }), /schemaVersion 2/],
    ['an image, not a record', manifestOf({ ...good, artifactType: undefined }), /artifactType is undefined/],
    ['an index', manifestOf({ ...good, mediaType: 'application/vnd.oci.image.index.v1+json' }), /media type/],
    ['no layer', manifestOf({ ...good, layers: [] }), /no layer of media type/],
  ];
  for (const [name, bytes, re] of cases) {
    it(`manifest: ${name}`, () => {
      const err = (() => {
        try {
          decodeRecordManifest(bytes, src);
        } catch (e) {
          return e as RegistryError;
        }
      })();
      expect(err).toBeInstanceOf(RegistryError);
      expect(err!.message).toMatch(re);
      expect(err!.message).toContain(src.reference);
      expect(err!.message).toContain('fix:');
      expect(err!.message).toContain(D('c'));
    });
  }
  const layers: Array<[string, unknown, RegExp]> = [
    ['not JSON', 'nope', /not JSON/],
    ['an array', [], /not a JSON object/],
    ['wrong version', { ...SAMPLE, version: '2026.1' }, /version "2026.1"/],
    ['wrong number', { ...SAMPLE, number: 2 }, /number 2/],
    ['bad kind', { ...SAMPLE, kind: 'delete' }, /kind is "delete"/],
    ['revert without revertOf', { ...SAMPLE, kind: 'revert' }, /revertOf/],
    ['no by', { ...SAMPLE, by: '' }, /by is missing/],
    ['bad date', { ...SAMPLE, at: 'yesterday' }, /at is not a date/],
    ['bad digest', { ...SAMPLE, images: [{ ...SAMPLE.images[0], digest: 'sha256:zz' }] }, /images\[0\]\.digest/],
    ['bad previous', { ...SAMPLE, images: [{ ...SAMPLE.images[0], previousDigest: 7 }] }, /images\[0\]\.previousDigest/],
    ['no image name', { ...SAMPLE, images: [{ ...SAMPLE.images[0], image: undefined }] }, /images\[0\]\.image/],
    ['bad globalStable', { ...SAMPLE, globalStable: {} }, /globalStable is not a list/],
    ['bad globalStable entry', { ...SAMPLE, globalStable: [{ ...SAMPLE.images[0], digest: 'x' }] }, /globalStable\[0\]\.digest/],
  ];
  for (const [name, value, re] of layers) {
    it(`promotion: ${name}`, () => {
      const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
      expect(() => decodePromotion(bytes, src, { version: '2026.2', number: 3 })).toThrow(re);
    });
  }
});
