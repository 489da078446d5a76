/**
 * Runs `fn` over `items` with at most `limit` calls in flight; resolves when all are done.
 * The first rejection rejects the whole (calls already started still finish).
 *
 * @param limit maximum concurrent calls, at least 1
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
