/**
 * Worker thread entry of checkedRowsInWorker (./checked-rows.ts): reads and checks the rows of the
 * job in its workerData and posts them to the thread that writes them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveCheckedRows, type CheckJob } from './checked-rows';

const port = parentPort;
if (port) {
  void serveCheckedRows(port, workerData as CheckJob).then(() => port.close());
}
