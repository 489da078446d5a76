/** Nx executor `imagestack:test`: run the image's tests (and inherited ones) in limited containers. */
import type { ExecutorContext } from '@nx/devkit';
import { runImage, type ImageExecutorOptions } from '../run-image';

export default function testExecutor(options: ImageExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  return runImage(options, context, 'test');
}
