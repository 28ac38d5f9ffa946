/** JSON built by the database in a query: parsed by the driver already, or still text (which driver depends on it). */
export function jsonColumn<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** The rows of `db.execute`: an array from the PostgreSQL driver, `{ rows }` from PGlite. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
