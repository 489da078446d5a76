/** Nx executor `imagestack:push`: push one image (all versions) that passed `manifest` and `test`; never overwrites a tag. */
import type { ExecutorContext } from '@nx/devkit';
import { runImage, type ImageExecutorOptions } from '../run-image';

export default function pushExecutor(options: ImageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return runImage(options, context, 'push');
}
