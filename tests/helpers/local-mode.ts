import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));

/** A running `herald start`, as a user starts it. */
export interface RunningLocalMode {
  child: ChildProcess;
  siteUrl: string;
  s3Endpoint: string;
  output: () => string;
}

/** Starts local mode on free ports (with any further options of herald start) and waits for its banner. */
export function startLocalMode(
  contentDir: string,
  dataDir: string,
  extraArgs: string[] = [],
): Promise<RunningLocalMode> {
  const child = spawn(
    process.execPath,
    [
      HERALD,
      'start',
      '--content',
      contentDir,
      '--data',
      dataDir,
      '--port',
      '0',
      '--s3-port',
      '0',
      ...extraArgs,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`herald start did not come up:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const site = /Site\s+(http:\/\/\S+)/.exec(output)?.[1];
      const s3 = /S3\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (site && s3 && output.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve({ child, siteUrl: site, s3Endpoint: s3, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`herald start exited with ${code}:\n${output}`)));
  });
}

/** Stops local mode and waits for it to exit. */
export async function stopLocalMode(running: RunningLocalMode): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}
