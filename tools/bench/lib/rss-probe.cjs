/**
 * Preloaded into node processes by lib/proc.mjs (NODE_OPTIONS=--require <this file>): on exit,
 * appends `<pid> <ppid> <maxRSS in bytes> <argv[1]>` to the file named by IMAGESTACK_BENCH_RSS_FILE.
 * maxRSS is the process's peak resident set size (getrusage ru_maxrss, Node's
 * process.resourceUsage().maxRSS, in kilobytes, hence × 1024). Child node processes inherit
 * NODE_OPTIONS and report too, one line each.
 */
'use strict';
const file = process.env.IMAGESTACK_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      require('node:fs').appendFileSync(file, `${process.pid} ${process.ppid} ${process.resourceUsage().maxRSS * 1024} ${process.argv[1] ?? ''}\n`);
    } catch {
      /* never change the exit of the measured process */
    }
  });
}
