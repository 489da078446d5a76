/** Nx executor `imagestack:build`: build and verify one image (all versions) without pushing. */
import type { ExecutorContext } from '@nx/devkit';
import { runImage, type ImageExecutorOptions } from '../run-image';

export default function buildExecutor(options: ImageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return runImage(options, context, false);
}
