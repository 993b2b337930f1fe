import { jest } from '@jest/globals';
import { ConsoleLogger } from '@nestjs/common';

/**
 * Everything the process would print while this is active: Nest's logger at every level (whatever
 * LOG_LEVEL lets through), `console.*` (TypeORM's default logger and stray prints) and raw writes to
 * stdout/stderr. Nothing reaches the terminal until `restore()`.
 */
export interface CapturedOutput {
  lines: string[];
  text(): string;
  /** The JSON log records among the lines (pino writes one per line). */
  records(): LogRecord[];
  /** Each line's message: a record's `msg`, or the line itself. */
  messages(): string[];
  restore(): void;
}

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function asRecords(line: string): LogRecord[] {
  return line
    .split('\n')
    .filter((part) => part.startsWith('{'))
    .flatMap((part) => {
      try {
        return [JSON.parse(part) as LogRecord];
      } catch {
        return [];
      }
    });
}

export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const push = (...parts: unknown[]) => {
    lines.push(parts.map((part) => (part instanceof Error ? (part.stack ?? part.message) : String(part))).join(' '));
  };
  const spies = [
    ...(['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const).map((level) =>
      jest.spyOn(ConsoleLogger.prototype, level).mockImplementation((...parts: unknown[]) => push(...parts)),
    ),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...parts: unknown[]) => push(...parts)),
    ),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (push(chunk), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (push(chunk), true)),
  ];
  return {
    lines,
    text: () => lines.join('\n'),
    records: () => lines.flatMap(asRecords),
    messages: () => lines.flatMap((line) => (asRecords(line).length ? asRecords(line).map((record) => record.msg) : [line])),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
