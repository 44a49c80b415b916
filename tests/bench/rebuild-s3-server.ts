// The local S3 endpoint of the rebuild benchmark, in a process of its own (the steps it serves are
// measured in other processes, and spawnSync would block a server in the benchmark's own).
// Run with --openssl-legacy-provider: listings over 1,000 keys need it (see local-s3.ts).
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import { startLocalS3 } from '../../functions/local/local-s3.ts';

const [directory = '', port = '0'] = process.argv.slice(2);
const s3 = await startLocalS3(directory, Object.values(LOCAL_BUCKETS), Number(port));
console.log(s3.endpoint);
process.once('SIGTERM', () => void s3.close().then(() => process.exit(0)));
