/** Nx executor `imagestack:build`: build one image (all versions) with its parents' tags; no gates, no push. */
import type { ExecutorContext } from '@nx/devkit';
import { runImage, type ImageExecutorOptions } from '../run-image';

export default function buildExecutor(options: ImageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return runImage(options, context, 'build');
}
