import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedQuerySecret } from '../options/call-automation-options.interface';
import { CredentialsRejectedError } from './security-errors';

/**
 * Checks the shared secret in a request URL's query string. The comparison takes the same
 * time whatever the value: both sides are hashed (SHA-256, so lengths do not show) and
 * compared with `timingSafeEqual`, against every accepted value.
 */
export class QuerySecretCheck {
  private readonly digests: Buffer[];

  constructor(private readonly secret: ResolvedQuerySecret) {
    this.digests = secret.values.map(digest);
  }

  /** Throws CredentialsRejectedError unless the URL carries exactly one accepted value. */
  check(url: string | undefined): void {
    const given = queryValues(url, this.secret.name);
    if (given.length === 0) {
      throw new CredentialsRejectedError(`the '${this.secret.name}' query parameter is missing`);
    }
    if (given.length > 1) {
      throw new CredentialsRejectedError(
        `the '${this.secret.name}' query parameter is given more than once`,
      );
    }
    const candidate = digest(given[0] as string);
    let accepted = false;
    for (const expected of this.digests) {
      accepted = timingSafeEqual(candidate, expected) || accepted;
    }
    if (!accepted) {
      throw new CredentialsRejectedError(`the '${this.secret.name}' query parameter is wrong`);
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Every value of a query parameter in a request target (path and query). */
function queryValues(url: string | undefined, name: string): string[] {
  if (url === undefined) return [];
  const start = url.indexOf('?');
  if (start === -1) return [];
  const end = url.indexOf('#', start);
  return new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end)).getAll(name);
}
