import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** vitest runs from the repository's root. */
const root = process.cwd();

/**
 * The built package as users load it: `require('<checkout>')` in plain CommonJS Node (npm test
 * builds first). Run in a child process, outside vitest's module system.
 */
function requireInNode(script: string): unknown {
  const output = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output);
}

describe('the built package', () => {
  it('gives the whole public API through require()', () => {
    const names = requireInNode(
      `const api = require(${JSON.stringify(root)}); console.log(JSON.stringify(Object.keys(api).sort()));`,
    ) as string[];
    expect(names).toEqual(
      expect.arrayContaining([
        'CallAutomationModule',
        'CallAutomationService',
        'EventProcessorService',
        'OnCallEvent',
        'OnMediaStream',
        'MediaStreamClosedError',
        'parseStreamingMessage',
        'CallAutomationTimeoutError',
        'CallAutomationEventError',
        'CallDisconnectedError',
        'CallAutomationShutdownError',
        'CallOperationFailedError',
        'CallSession',
        'OperationHandle',
        'PromptMachine',
        'parseCallEvent',
      ]),
    );
  });

  it('gives the testing entry point as nestjs-call-automation/testing', () => {
    const names = requireInNode(
      `const testing = require('nestjs-call-automation/testing'); console.log(JSON.stringify(Object.keys(testing).sort()));`,
    ) as string[];
    expect(names).toEqual(
      expect.arrayContaining(['AcsEmulator', 'callEvents', 'LocalRedisServer']),
    );
  });

  it('gives the Terminus health indicator as nestjs-call-automation/terminus', () => {
    const names = requireInNode(
      `const terminus = require('nestjs-call-automation/terminus'); console.log(JSON.stringify(Object.keys(terminus).sort()));`,
    ) as string[];
    expect(names).toEqual(['CallAutomationHealthIndicator']);
  });

  it('loads neither @nestjs/terminus nor @opentelemetry/api from the main entry (optional peers)', () => {
    const loaded = requireInNode(`
      require(${JSON.stringify(root)});
      const optional = Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/](@nestjs[\\/]terminus|@opentelemetry)[\\/]/.test(file));
      console.log(JSON.stringify(optional));
    `);
    expect(loaded).toEqual([]);
  });

  it('keeps instanceof working for errors thrown by the package', () => {
    const result = requireInNode(`
      const { CallAutomationEventError, EventProcessorService } = require(${JSON.stringify(root)});
      const error = new CallAutomationEventError('x');
      console.log(JSON.stringify({ isError: error instanceof Error, name: error.name, service: typeof EventProcessorService }));
    `);
    expect(result).toEqual({
      isError: true,
      name: 'CallAutomationEventError',
      service: 'function',
    });
  });
});
