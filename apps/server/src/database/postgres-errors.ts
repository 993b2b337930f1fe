const UNIQUE_VIOLATION = '23505';

/** A Postgres unique-constraint failure, as TypeORM wraps it (QueryFailedError) or as the driver raises it. */
export function isUniqueViolation(error: unknown): boolean {
  const failure = error as { code?: string; driverError?: { code?: string } } | null;
  return (failure?.driverError?.code ?? failure?.code) === UNIQUE_VIOLATION;
}

/**
 * PostgreSQL's "data exception" class (22xxx: invalid text representation, numeric out of range,
 * invalid byte sequence, …): the input was bad, not the server.
 */
export function isInvalidInput(error: unknown): boolean {
  const failure = error as { code?: string; driverError?: { code?: string } } | null;
  const code = failure?.driverError?.code ?? failure?.code;
  return typeof code === 'string' && code.startsWith('22');
}
