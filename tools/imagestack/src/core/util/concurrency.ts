/**
 * Runs `fn` over `items` with at most `limit` calls in flight (`p-map`); resolves with the
 * results in input order when all are done. The first rejection rejects the whole: calls
 * already started still finish, no new call starts.
 *
 * `p-map` is an ES module; this package is CommonJS, so it is loaded with a dynamic
 * `import()` (the tsconfig's `node16` module mode keeps `import()` as is), once.
 *
 * @param limit maximum concurrent calls, at least 1
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const { default: pMap } = await import('p-map');
  return pMap(items, fn, { concurrency: Math.max(1, limit) });
}
