// BullMQ side of `scripts/bench.sh bullmq` (docs/benchmarks.md). Run by the Java benchmark against the
// same redis-server, with the same job count and concurrency as the emp side:
//   node bench.mjs --redis redis://127.0.0.1:PORT --jobs 50000 --concurrency 16 --producers 64 --warmup 2000
// Prints one JSON line: {"bullmq": version, "e2e_jobs_per_second", "drain_jobs_per_second", ...}.
//  e2e:   one Worker (concurrency C) runs while P concurrent producers add N no-op jobs one by one;
//         first add to last completion.
//  drain: N jobs are queued first (addBulk), then a Worker (concurrency C) starts; its start to the
//         last completion. The process is warm (a warm-up round ran first), like the emp worker JVM.
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { readFileSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, a) => (i % 2 ? acc : [...acc, [a[i].replace(/^--/, ''), a[i + 1]]]), []));
const url = args.redis ?? 'redis://127.0.0.1:6379';
const jobs = Number(args.jobs ?? 50000);
const concurrency = Number(args.concurrency ?? 16);
const producers = Number(args.producers ?? 64);
const warmup = Number(args.warmup ?? 2000);
const version = JSON.parse(readFileSync(new URL('./node_modules/bullmq/package.json', import.meta.url))).version;

const connection = () => new IORedis(url, { maxRetriesPerRequest: null });
const name = 'bench-' + process.pid;

function worker(onDone) {
  let done = 0;
  const w = new Worker(name, async () => {}, { connection: connection(), concurrency });
  w.on('completed', () => { done++; onDone(done); });
  return w;
}

async function produce(queue, n) {
  let next = 0;
  const loop = async () => {
    while (next < n) {
      next++;
      await queue.add('noop', {});
    }
  };
  await Promise.all(Array.from({ length: producers }, loop));
}

function until(count) {
  let resolve;
  const p = new Promise((r) => { resolve = r; });
  return { promise: p, tick: (done) => { if (done === count) resolve(); } };
}

const queue = new Queue(name, { connection: connection() });

// warm-up and e2e with one worker
let target = until(warmup);
let w = worker((d) => target.tick(d));
await produce(queue, warmup);
await target.promise;
target = until(warmup + jobs);
const t0 = process.hrtime.bigint();
await produce(queue, jobs);
await target.promise;
const e2eSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
await w.close();

// drain: fill first, then start a worker
for (let i = 0; i < jobs; i += 1000) {
  await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, () => ({ name: 'noop', data: {} })));
}
target = until(jobs);
const t1 = process.hrtime.bigint();
w = worker((d) => target.tick(d));
await target.promise;
const drainSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
await w.close();
await queue.obliterate({ force: true }).catch(() => {});
await queue.close();

console.log(JSON.stringify({
  bullmq: version, node: process.version, jobs, concurrency, producers,
  e2e_seconds: e2eSeconds, e2e_jobs_per_second: Math.round(jobs / e2eSeconds),
  drain_seconds: drainSeconds, drain_jobs_per_second: Math.round(jobs / drainSeconds),
}));
process.exit(0);
