/**
 * Steps 3–5 of an image, the gates (`manifest` → package manifest, `checks`, `test`), in
 * the order given. Each gate gets the image ID and what the gates before it handed on
 * ({@link GateOutputs}: the package manifest for the checks); the first that fails stops
 * the image, its report kept in the result.
 */
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import type { RunContext } from '../context';
import { GateFailure, type GateOutputs, type NodeResult } from '../types';
import type { Timed } from './build';
import { nodeKey } from '../../tags/tag';

/**
 * Runs the run's gates on `imageId`, recording each report in `result.gates` (an image's result,
 * or one platform's).
 *
 * @param platform the image's platform when it is a multi-platform image's other than the engine's (`GateContext.platform`)
 *
 * @returns what the gates handed on
 * @throws the first gate's failure: EngineError carrying the gate's log tail for a
 *   {@link GateFailure} with one, else the gate's error as it is
 */
export async function runGates(
  run: RunContext,
  e: PlanEntry,
  imageId: string,
  result: Pick<NodeResult, 'gates'>,
  log: StepLog,
  signal: AbortSignal | undefined,
  timed: Timed,
  platform?: string,
): Promise<GateOutputs> {
  const outputs: GateOutputs = {};
  const docker = run.engine.containers;
  const publishedTag = run.entries.get(nodeKey(e.image, e.version))?.tag; // `e` may carry a platform's local tag
  for (const gate of run.options.gates) {
    const report = await timed(gate.step, async () => {
      try {
        return await gate.run({ entry: e, stack: run.stack, imageId, docker, client: run.registry, outputDir: run.outputDir, outputs, log: (l) => log.line(l), signal, ...(platform ? { platform } : {}), ...(run.dockerHost ? { dockerHost: run.dockerHost } : {}), ...(publishedTag && publishedTag !== e.tag ? { publishedTag } : {}) });
      } catch (err) {
        if (err instanceof GateFailure) {
          (result.gates ??= {})[gate.step] = err.report;
          if (err.logTail.length) throw new EngineError(err.message, err.logTail);
        }
        throw err;
      }
    });
    (result.gates ??= {})[gate.step] = report;
  }
  return outputs;
}
