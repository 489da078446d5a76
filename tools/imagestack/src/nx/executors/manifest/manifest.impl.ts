/** Nx executor `imagestack:manifest`: package manifest, diff against the previous tag, and checks, for one image (all versions). */
import type { ExecutorContext } from '@nx/devkit';
import { runImage, type ImageExecutorOptions } from '../run-image';

export default function manifestExecutor(options: ImageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return runImage(options, context, 'manifest');
}
