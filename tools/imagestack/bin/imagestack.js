#!/usr/bin/env node
'use strict';
// `imagestack plan` is one short burst of work (parse specs.yml, read the Dockerfiles, walk
// the history): V8's optimising compiler (TurboFan, on background threads) costs it more CPU
// than the optimised code saves. Measured on the bench's generated repositories (node 20,
// 2-core shared machine, runs interleaved): `plan --offline --json` at 1,000 images × 10,000
// commits 2.7–3.9 s CPU with it, 1.6–2.3 s without, wall lower too; at 5,000 images 6.0–6.9 s
// against 5.4–6.2 s. The plan is the same either way (compiler tiers do not change what code
// does). Set before anything is loaded, for `plan` only: long-running commands (`serve`,
// `build`'s pushes) keep it.
if (process.argv.slice(2).find((a) => !a.startsWith('-')) === 'plan') {
  require('node:v8').setFlagsFromString('--no-opt');
  // git reads the history while the CLI's modules load (see src/cli/early-history.ts).
  require('../dist/cli/early-history').startEarlyHistory(process.argv);
}
require('../dist/cli/main').main(process.argv).then((code) => {
  process.exitCode = code;
});
