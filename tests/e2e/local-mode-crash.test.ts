import { describe, expect, it } from 'vitest';
import { crashBurstRun } from '../helpers/crash-burst.ts';

describe('local mode after kill -9 (issue 16)', () => {
  it('publishes every acknowledged upload after two kills mid-burst and a plain restart, and equals herald build of the bucket', async () => {
    // Two rounds of 60 uploads at once, each killed (SIGKILL) after a random number of
    // acknowledgements. The 30 s the issue asks for is a speed target, measured by
    // tests/bench/crash-restart.ts on a quieter machine; here the test allows longer and checks the result.
    const run = await crashBurstRun({ kills: 2, uploads: 60, deadlineSeconds: 90 });
    const story = `killed after ${run.killedAt.join(' and ')} acknowledged uploads`;
    expect(run.killedAt, story).toHaveLength(2);
    expect(run.missing, story).toEqual([]);
    // Every object of the site bucket, byte for byte, as a full build of the same content makes it.
    expect(run.differences, story).toEqual([]);
    expect(run.compared).toBeGreaterThan(run.acknowledged);
    console.log(
      `${story}: all ${run.acknowledged} published ${(run.convergedMs / 1000).toFixed(1)} s after the restart; ${run.compared} objects equal to herald build`,
    );
  }, 300_000);
});
