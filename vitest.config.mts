import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic and real temp git repos, fast, parallel) and
// `integration` (real Docker engine and registry started by tools/engine/up.sh in the
// global setup; files run one at a time because the machine has 2 cores).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tools/imagestack/src/**/*.test.ts', 'tools/bench/test/**/*.test.mjs'],
          testTimeout: 30_000,
          // @actions/workflow-parser (the workflow tests) imports its JSON schemas without an
          // import attribute, which only a bundler accepts: let Vite pre-bundle it.
          deps: { optimizer: { ssr: { enabled: true, include: ['@actions/workflow-parser', '@actions/workflow-parser/actions/index'] } } },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tools/imagestack/test/**/*.test.ts'],
          globalSetup: ['tools/imagestack/test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 20 * 60_000,
          hookTimeout: 20 * 60_000,
        },
      },
    ],
  },
});
