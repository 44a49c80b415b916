import { spawnSync } from 'node:child_process';

/** Wall time, peak resident memory and CPU time (user + system, every thread) of one process. */
export interface Measure {
  seconds: number;
  peakMb: number;
  cpuSeconds: number;
}

/** Runs a command under /usr/bin/time and returns its wall time, peak resident memory and CPU time. */
export function measure(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Measure {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', command, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(env ? { env } : {}),
  });
  if (result.error)
    throw new Error(`/usr/bin/time is needed (apt-get install time): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed:\n${result.stdout}\n${result.stderr}`);
  const [seconds = 'NaN', kb = 'NaN', user = 'NaN', system = 'NaN'] =
    result.stderr.trim().split('\n').pop()?.split(' ') ?? [];
  return { seconds: Number(seconds), peakMb: Number(kb) / 1024, cpuSeconds: Number(user) + Number(system) };
}

/** The median of some figures (the middle one; the upper middle for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The median time, the median peak memory and the median CPU time of several measures. */
export function medianMeasure(measures: Measure[]): Measure {
  return {
    seconds: median(measures.map((m) => m.seconds)),
    peakMb: median(measures.map((m) => m.peakMb)),
    cpuSeconds: median(measures.map((m) => m.cpuSeconds)),
  };
}
