/**
 * imagestack: an Nx plugin and a library. The Nx hooks are the module's top-level exports
 * (`createNodes`, `createNodesV2`, `createDependencies`); the core API is exported too, for
 * programs that drive imagestack without Nx or the CLI.
 */
export { createNodes, createNodesV2, createDependencies } from './nx/plugin';
export type { ImagestackPluginOptions } from './nx/plugin';
export * from './core';
