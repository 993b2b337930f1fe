const UNIQUE_VIOLATION = '23505';

/** A Postgres unique-constraint failure, as TypeORM wraps it (QueryFailedError) or as the driver raises it. */
export function isUniqueViolation(error: unknown): boolean {
  const failure = error as { code?: string; driverError?: { code?: string } } | null;
  return (failure?.driverError?.code ?? failure?.code) === UNIQUE_VIOLATION;
}
