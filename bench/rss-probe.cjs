// Preloaded (node --require) into a benchmarked child: on exit, writes the
// process's peak resident set size (getrusage ru_maxrss, KiB on Linux) and its
// CPU time (user + system, all threads) to the file named by PAIDLINE_RSS_FILE.
'use strict';
const fs = require('node:fs');
const file = process.env.PAIDLINE_RSS_FILE;
const { isMainThread } = require('node:worker_threads');
if (file && isMainThread) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      fs.writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
    } catch {
      /* ignore */
    }
  });
}
