import { jest } from '@jest/globals';
import { ConsoleLogger } from '@nestjs/common';

/**
 * Everything the process would print while this is active: Nest's logger at every level (whatever
 * LOG_LEVEL lets through), `console.*` (TypeORM's default logger and stray prints) and raw writes to
 * stdout/stderr. Nothing reaches the terminal until `restore()`.
 */
export function captureOutput(): { lines: string[]; text(): string; restore(): void } {
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
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
