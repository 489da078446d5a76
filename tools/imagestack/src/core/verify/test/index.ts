/**
 * The `test` gate and its parts: test settings of specs.yml, the suites an image runs
 * (inherited along the final-stage base chain), the limits, the user, the tar of the test
 * folder, and one suite's run in a container or, for `test.host`, on the host.
 */
export { createTestGate, TEST_CONTAINER_LABELS, type TestGateOptions } from './gate';
export { runTestSuite, type RunSuiteOptions, type SuiteOutcome } from './run-suite';
export { runHostSuite, hostTestEnv, type RunHostOptions } from './run-host';
export { testSuites, ownSuite, hostSuite, finalBaseChain, checkTestSettings, type TestSuite, type FolderExists } from './suites';
export {
  normalizeTestSettings,
  commandArgv,
  TEST_MOUNT,
  TEST_KEYS,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TEST_FOLDER,
  type TestSettings,
  type TestSpec,
} from './settings';
export { DEFAULT_LIMITS, parseMemory, testHostConfig, type TestLimits } from './limits';
export { chooseTestUser, detectTestUser, type TestUser } from './user';
export { packTestFolder, type PackTestFolderOptions } from './archive';
