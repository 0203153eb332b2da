import { normalizeIdentifier, rawIdOf, type WireIdentifier } from '../events/wire-identifiers';
import { RestFailure } from './rest-response';

/**
 * Typed, checked access to a JSON request body. A field of the wrong type, or a required one
 * that is missing, is a 400 the way the service answers it.
 */
export class RequestBody {
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly path = '',
  ) {}

  /** Parses the raw body: an empty body is `{}`, anything but a JSON object is a 400. */
  static parse(raw: Buffer): RequestBody {
    if (raw.length === 0) return new RequestBody({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw RestFailure.invalid('the body is not valid JSON.');
    }
    if (!isObject(parsed)) throw RestFailure.invalid('the body must be a JSON object.');
    return new RequestBody(parsed);
  }

  get raw(): Readonly<Record<string, unknown>> {
    return this.value;
  }

  string(name: string): string | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (typeof entry !== 'string') throw this.wrongType(name, 'a string');
    return entry;
  }

  requiredString(name: string): string {
    const entry = this.string(name);
    if (entry === undefined || entry === '') throw this.missing(name);
    return entry;
  }

  number(name: string): number | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (typeof entry !== 'number') throw this.wrongType(name, 'a number');
    return entry;
  }

  boolean(name: string): boolean | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (typeof entry !== 'boolean') throw this.wrongType(name, 'a boolean');
    return entry;
  }

  object(name: string): RequestBody | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (!isObject(entry)) throw this.wrongType(name, 'an object');
    return new RequestBody(entry, `${this.path}${name}.`);
  }

  requiredObject(name: string): RequestBody {
    const entry = this.object(name);
    if (!entry) throw this.missing(name);
    return entry;
  }

  objects(name: string): RequestBody[] | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (!Array.isArray(entry) || !entry.every(isObject))
      throw this.wrongType(name, 'an array of objects');
    return entry.map((item, index) => new RequestBody(item, `${this.path}${name}[${index}].`));
  }

  strings(name: string): string[] | undefined {
    const entry = this.value[name];
    if (entry === undefined || entry === null) return undefined;
    if (!Array.isArray(entry) || !entry.every((item) => typeof item === 'string')) {
      throw this.wrongType(name, 'an array of strings');
    }
    return entry as string[];
  }

  /** An identifier (`{kind?, rawId?, communicationUser | phoneNumber ...}`), completed. */
  identifier(name: string): WireIdentifier | undefined {
    const entry = this.object(name);
    if (!entry) return undefined;
    const identifier = entry.raw as WireIdentifier;
    if (rawIdOf(identifier) === undefined) {
      throw RestFailure.invalid(`${this.path}${name} is not a valid identifier.`);
    }
    return normalizeIdentifier(identifier);
  }

  requiredIdentifier(name: string): WireIdentifier {
    const identifier = this.identifier(name);
    if (!identifier) throw this.missing(name);
    return identifier;
  }

  requiredIdentifiers(name: string): WireIdentifier[] {
    const entries = this.objects(name);
    if (!entries || entries.length === 0) throw this.missing(name);
    return entries.map((entry, index) => {
      const identifier = entry.raw as WireIdentifier;
      if (rawIdOf(identifier) === undefined) {
        throw RestFailure.invalid(`${this.path}${name}[${index}] is not a valid identifier.`);
      }
      return normalizeIdentifier(identifier);
    });
  }

  private missing(name: string): RestFailure {
    return RestFailure.invalid(`${this.path}${name} is required.`);
  }

  private wrongType(name: string, expected: string): RestFailure {
    return RestFailure.invalid(`${this.path}${name} must be ${expected}.`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
