// Preloaded (node --require) into a benchmarked child: on exit, writes the
// process's peak resident set size (getrusage ru_maxrss, KiB on Linux) and its
// CPU time (user + system, all threads) to the file named by PAIDLINE_RSS_FILE.
// With PAIDLINE_RSS_DIR (and NODE_OPTIONS carrying this --require), every Node process
// of the benchmarked tree writes <dir>/<pid>.json with its role (argv[1]): the peak of each.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.PAIDLINE_RSS_DIR;
const file = dir ? path.join(dir, `${process.pid}.json`) : process.env.PAIDLINE_RSS_FILE;
const { isMainThread } = require('node:worker_threads');
if (file && isMainThread) {
  process.on('exit', () => {
    try {
      const u = process.resourceUsage();
      fs.writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, script: path.basename(process.argv[1] || 'node') }));
    } catch {
      /* ignore */
    }
  });
}
