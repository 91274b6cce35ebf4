// All-reduce bandwidth of the Gloo process group over loopback: two (or --ranks) processes on this machine reduce
// float32 tensors of growing size; the median time of --reps calls gives the algorithm bandwidth (bytes / time)
// and the bus bandwidth (x 2(n-1)/n, what a ring all-reduce moves per rank; the figure nccl-tests report).
//   node packages/torch/dist/bench/allreduce.js [--ranks 2] [--reps 20] [--json]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { distributed as dist, full, setNumThreads } from '../src/index.js';

const { values } = parseArgs({
  options: {
    ranks: { type: 'string', default: '2' },
    reps: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const SIZES_MB = [0.004, 0.06, 1, 4, 16, 64];

function rankMain(): void {
  setNumThreads(1);
  dist.initProcessGroup({ timeoutMs: 120_000 });
  const reps = Number(values.reps);
  const rows = [];
  for (const mb of SIZES_MB) {
    const numel = Math.round((mb * 1024 * 1024) / 4);
    const t = full([numel], 1);
    dist.allReduce(t); // warm-up (connections, buffers)
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      dist.barrier();
      const t0 = performance.now();
      dist.allReduce(t, { bucketMb: 1024 });
      times.push(performance.now() - t0);
    }
    t.dispose();
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const n = dist.worldSize();
    const algGBs = (numel * 4) / (ms / 1000) / 1e9;
    rows.push({
      mb,
      ms: +ms.toFixed(3),
      alg_GBs: +algGBs.toFixed(3),
      bus_GBs: +((algGBs * 2 * (n - 1)) / n).toFixed(3),
    });
  }
  if (dist.rank() === 0) process.stdout.write(JSON.stringify(rows) + '\n');
  dist.destroyProcessGroup();
}

async function launch(): Promise<void> {
  const ranks = Number(values.ranks);
  const port = await dist.freePort();
  const outputs = await Promise.all(
    Array.from(
      { length: ranks },
      (_, rank) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
            {
              env: {
                ...process.env,
                RANK: String(rank),
                WORLD_SIZE: String(ranks),
                MASTER_ADDR: '127.0.0.1',
                MASTER_PORT: String(port),
              },
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) =>
            code === 0 ? resolve(out) : reject(new Error(`rank ${rank} exited with ${code}`)),
          );
        }),
    ),
  );
  const rows = JSON.parse(outputs[0].trim()) as { mb: number; ms: number; alg_GBs: number; bus_GBs: number }[];
  if (values.json) console.log(JSON.stringify(rows));
  else {
    console.log(`all-reduce over loopback, ${ranks} ranks, float32, median of ${values.reps}`);
    console.log('| size | time | algorithm bandwidth | bus bandwidth |\n| --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.mb >= 1 ? `${r.mb} MB` : `${Math.round(r.mb * 1024)} kB`} | ${r.ms} ms | ${r.alg_GBs} GB/s | ${r.bus_GBs} GB/s |`,
      );
  }
}

if (process.env.WORLD_SIZE) rankMain();
else await launch();
