import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps what it is told, so tests can read the logs. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string; trace?: string }[] = [];

  log(message: unknown): void {
    this.push('log', message);
  }
  error(message: unknown, trace?: unknown): void {
    this.push('error', message, trace);
  }
  warn(message: unknown): void {
    this.push('warn', message);
  }
  debug(message: unknown): void {
    this.push('debug', message);
  }
  verbose(message: unknown): void {
    this.push('verbose', message);
  }

  messages(level?: string): string[] {
    return this.lines
      .filter((line) => level === undefined || line.level === level)
      .map((line) => line.message);
  }

  private push(level: string, message: unknown, trace?: unknown): void {
    this.lines.push({
      level,
      message: String(message),
      ...(typeof trace === 'string' ? { trace } : {}),
    });
  }
}
