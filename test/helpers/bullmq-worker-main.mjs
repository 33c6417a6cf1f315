// A BullMQ worker in its own process, for tests that SIGKILL a worker mid-job: it takes jobs from the queue named
// in argv, prints "took <job id>" and never finishes (the batch it was scoring is lost with it).
import { Worker } from 'bullmq';

const [url, queueName, lockDuration] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const worker = new Worker(
  queueName,
  async (job) => {
    process.stdout.write(`took ${job.id}\n`);
    await new Promise(() => {});
  },
  { connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null }, lockDuration: Number(lockDuration), stalledInterval: Number(lockDuration) / 2, concurrency: 1 },
);
worker.on('ready', () => process.stdout.write('ready\n'));
