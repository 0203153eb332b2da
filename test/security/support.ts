import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { type CallEvent, OnCallEvent } from 'nestjs-call-automation';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TestApp } from '../support/app';
import { type JwksServer, startJwksServer } from '../support/jwks-server';

/** Records the kind of every event the app dispatches to its handlers. */
@Injectable()
export class KindRecorder {
  readonly kinds: string[] = [];
  @OnCallEvent('*')
  record(event: CallEvent): void {
    this.kinds.push(event.kind);
  }
}

/** The JSON body of a refused request. */
export interface ErrorBody {
  statusCode: number;
  error?: string;
  message: string;
}

/** What the tests of a `useJwksServer` block share. */
export interface JwksSuite {
  /** Started before the block's tests, closed after them. */
  jwks: JwksServer;
}

/** What the tests of a `useJwksServerAndApp` block share. */
export interface JwksAndAppSuite extends JwksSuite {
  /** The app the current test started; closed after each test. */
  test: TestApp;
}

/** Starts a JWKS server for the describe block (beforeAll) and closes it after (afterAll). */
export function useJwksServer(config?: Parameters<typeof startJwksServer>[0]): JwksSuite {
  const suite = {} as JwksSuite;
  beforeAll(async () => {
    suite.jwks = await startJwksServer(config);
  });
  afterAll(async () => {
    await suite.jwks.close();
  });
  return suite;
}

/** `useJwksServer`, and closes after each test the app it put into `test`. */
export function useJwksServerAndApp(
  config?: Parameters<typeof startJwksServer>[0],
): JwksAndAppSuite {
  const suite = useJwksServer(config) as JwksAndAppSuite;
  afterEach(async () => {
    await suite.test?.close();
  });
  return suite;
}
