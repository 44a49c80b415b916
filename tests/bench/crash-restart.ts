// npx tsx tests/bench/crash-restart.ts [runs] [kills]  (not part of npm run bench: minutes per run)
// Issue 16's done-when: kill -9 of local mode during a 200-upload burst, then a plain restart: all
// acknowledged uploads published within 30 s, every time, and the site equal to a full build of the
// bucket. Runs the scenario `runs` times (default 6), each with `kills` kills (default 1).
import { crashBurstRun } from '../helpers/crash-burst.ts';

const runs = Number(process.argv[2] ?? 6);
const kills = Number(process.argv[3] ?? 1);
let passed = 0;
for (let i = 1; i <= runs; i++) {
  const run = await crashBurstRun({ kills, uploads: 200, deadlineSeconds: 60 });
  const ok = run.missing.length === 0 && run.convergedMs <= 30_000 && run.differences.length === 0;
  if (ok) passed++;
  console.log(
    `run ${i}: killed after ${run.killedAt.join(', ')} acknowledged; ${run.acknowledged} acknowledged in all; ` +
      `published ${(run.convergedMs / 1000).toFixed(1)} s after the restart; ${run.missing.length} missing; ` +
      `${run.compared} objects compared with herald build, ${run.differences.length} different${ok ? '' : '  <- NOT met'}`,
  );
  for (const difference of run.differences.slice(0, 5)) console.log(`    ${difference}`);
}
console.log(`${passed} of ${runs} runs met the goal (all published within 30 s, site equal to a full build)`);
