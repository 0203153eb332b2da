import 'reflect-metadata';
import {
  createTestCertificates,
  LocalRedisServer,
  type TestCertificates,
} from 'nestjs-call-automation/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../support/app';
import { expectCrossReplicaDelivery } from './cross-replica-check';

/** A TLS-only redis-server (self-signed CA made here) with an ACL user; the default user is off. */
describe('Redis over TLS with an ACL user', () => {
  let certificates: TestCertificates;
  let server: LocalRedisServer;
  const user = 'call-app';
  const password = 'pa55-w0rd-not-in-logs';

  beforeAll(async () => {
    certificates = createTestCertificates();
    server = await LocalRedisServer.start({
      tls: certificates,
      args: ['--user', 'default', 'off', '--user', user, 'on', `>${password}`, '~*', '&*', '+@all'],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const urlWith = (secret: string) => `rediss://${user}:${secret}@127.0.0.1:${server.port}`;

  it('settles a waiter across two replicas on rediss:// with the CA passed as redis.tls', async () => {
    await expectCrossReplicaDelivery(
      { url: urlWith(password), tls: { ca: certificates.ca }, keyPrefix: 'tls-test:' },
      'call-tls',
    );
  });

  it('fails start-up on a wrong password with an error that names the server, not the password', async () => {
    const wrong = 'wrong-secret-123';
    const failure = await startApp({
      options: {
        redis: { url: urlWith(wrong), tls: { ca: certificates.ca }, keyPrefix: 'tls-test:' },
      },
    }).then(
      async (app) => {
        await app.close();
        throw new Error('the app started with a wrong Redis password');
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(
      new RegExp(
        `cannot connect to Redis at rediss://${user}:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}`,
      ),
    );
    expect(failure.message).toMatch(/WRONGPASS/);
    expect(failure.message).not.toContain(wrong);
  });

  it('fails start-up when the CA is not trusted, saying so', async () => {
    const failure = await startApp({
      options: { redis: { url: urlWith(password), keyPrefix: 'tls-test:' } },
    }).then(
      async (app) => {
        await app.close();
        throw new Error('the app trusted an unknown CA');
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/cannot connect to Redis at rediss:.*certificate/i);
    expect(failure.message).not.toContain(password);
  });
});
