/**
 * Preloaded into node processes by lib/proc.mjs (NODE_OPTIONS=--require <this file>): on exit,
 * appends `<pid> <ppid> <maxRSS in bytes> <CPU time in µs> <argv[1]>` to the file named by
 * IMAGESTACK_BENCH_RSS_FILE.
 * maxRSS is the process's peak resident set size (getrusage ru_maxrss, Node's
 * process.resourceUsage().maxRSS, in kilobytes, hence × 1024); CPU time is user + system. Child node processes inherit
 * NODE_OPTIONS and report too, one line each.
 */
'use strict';
const file = process.env.IMAGESTACK_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      const line = `${process.pid} ${process.ppid} ${u.maxRSS * 1024} ${u.userCPUTime + u.systemCPUTime} ${process.argv[1] ?? ''}\n`;
      require('node:fs').appendFileSync(file, line);
    } catch {
      /* never change the exit of the measured process */
    }
  });
}
