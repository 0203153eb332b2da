import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import { CallAutomationEventError } from '../errors/call-automation-event.error';
import { EventBusUnavailableError } from '../errors/event-bus-unavailable.error';
import { ReplicasNotConfirmedError } from '../errors/replicas-not-confirmed.error';
import {
  findValidationCode,
  readEventGridDelivery,
  selectIncomingCallEvents,
} from '../events/event-grid';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService, type ProcessSummary } from '../processor/event-processor.service';
import type { RemoteKeySet } from '../security/remote-key-set';
import { callbackGuard, incomingCallGuard, type RequestGuard } from '../security/request-guard';
import {
  CredentialsRejectedError,
  SigningKeyRefetchThrottledError,
  SigningKeysUnavailableError,
} from '../security/security-errors';
import { assertWebhookBodyDepth, parseWebhookJson } from './body-depth';
import { InFlightRequests } from './in-flight-requests';
import { readWebhookBody } from './read-webhook-body';
import { RefusalLog } from './refusal-log';
import { webhookError } from './webhook-errors';
import { headerOf, pathOf, requestTarget, type WebhookRequest } from './webhook-request';
import type { WebhookRoute } from './webhook-routes';

/** The Event Grid subscription handshake's answer. */
export interface ValidationResponse {
  validationResponse: string;
}

/** `WebHook-Request-Origin` values we echo: a host name, optionally with a port. */
const ORIGIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?$/;

/**
 * Receives what is posted to the two webhook routes: checks the caller (the header before the
 * body, the token's signature after), reads the body within its limit, hands the events to the
 * processor, and turns each failure into its status code. On shutdown it lets the webhook
 * requests in flight finish before the processor closes, and answers 503 to those that come
 * after.
 */
@Injectable()
export class WebhookReceiver implements OnModuleDestroy {
  private readonly logger = new Logger('CallAutomation');
  private readonly refusals = new RefusalLog(this.logger);
  private readonly callbackGuard: RequestGuard;
  private readonly incomingCallGuard: RequestGuard;
  private closed = false;

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly processor: EventProcessorService,
    /** Webhook requests being served (counted from the HTTP server, see WebhookBodyReaderInstaller). */
    private readonly inFlight: InFlightRequests,
  ) {
    this.callbackGuard = callbackGuard(options);
    this.incomingCallGuard = incomingCallGuard(options);
  }

  /** The key set that checks ACS's callback tokens (`auth`), for health checks. @internal */
  get callbackSigningKeys(): RemoteKeySet | undefined {
    return this.callbackGuard.signingKeys;
  }

  /**
   * Runs before the processor's own shutdown (this provider depends on it): requests in flight
   * are answered while waiters can still settle, then the routes refuse new work.
   */
  async onModuleDestroy(): Promise<void> {
    // First the calls in progress end (new calls are refused meanwhile), then the webhooks.
    if (this.options.drainTimeoutMs > 0) await this.processor.drain();
    const finished = await this.inFlight.drain(this.options.shutdownGraceMs);
    this.closed = true;
    if (!finished) {
      this.logger.warn(
        `Webhook requests were still in flight ${this.options.shutdownGraceMs} ms after shutdown began (option shutdownGraceMs); closing anyway.`,
      );
    }
  }

  /**
   * The refusal of a POST whose credentials fail before its body is read (a missing or
   * malformed Authorization header, a missing or wrong secret): the body readers answer it at
   * once instead of reading the body. Undefined when the request may go on (its token is
   * verified by the route, once the body is in).
   */
  refusalBeforeBody(route: WebhookRoute, request: WebhookRequest): HttpException | undefined {
    const guard = route === 'callback' ? this.callbackGuard : this.incomingCallGuard;
    if (!guard.isActive) return undefined;
    const target = requestTarget(request);
    try {
      guard.checkBeforeBody({ url: target, authorization: headerOf(request, 'authorization') });
      return undefined;
    } catch (error) {
      if (!(error instanceof CredentialsRejectedError)) throw error;
      const what = route === 'callback' ? 'a callback' : 'an Event Grid delivery';
      return this.refused(error, what, target);
    }
  }

  /** `POST /{webhookPath}`: mid-call callbacks from ACS. */
  async handleCallback(request: WebhookRequest): Promise<ProcessSummary> {
    this.assertOpen();
    // Awaited only when there is something to check: this is the hot path of every callback.
    if (this.callbackGuard.isActive)
      await this.authenticate(this.callbackGuard, request, 'a callback');
    const read = readWebhookBody(request, this.options.maxBodyBytes);
    const body = read instanceof Promise ? await read : read;
    if (typeof body === 'string') {
      // A framework parsed a JSON string: processEvents would read it as JSON text once more.
      throw webhookError(
        HttpStatus.BAD_REQUEST,
        'The body is a JSON string, not a CloudEvent or an array of them. Nothing was dispatched.',
      );
    }
    assertWebhookBodyDepth(body);
    this.assertOpen();
    // Bytes go to processEvents as they are: it parses them (a JSON string is not an event)
    // and, owning what it parsed, need not copy it.
    return this.processor.processEvents(body).catch((error: unknown) => {
      throw this.toHttpError(error);
    });
  }

  /** `POST /{incomingCallPath}`: Event Grid deliveries, the Event Grid schema handshake included. */
  async handleEventGrid(request: WebhookRequest): Promise<ProcessSummary | ValidationResponse> {
    this.assertOpen();
    await this.authenticate(this.incomingCallGuard, request, 'an Event Grid delivery');
    const body = await readWebhookBody(request, this.options.maxBodyBytes);
    const parsed = this.translate(() => parseWebhookJson(body));
    if (typeof parsed !== 'object' || parsed === null) {
      throw webhookError(
        HttpStatus.BAD_REQUEST,
        'The body is not an Event Grid delivery: send an event or an array of them.',
      );
    }
    if (headerOf(request, 'aeg-event-type')?.toLowerCase() === 'subscriptionvalidation') {
      const validationCode = findValidationCode(parsed);
      if (validationCode === undefined) {
        throw webhookError(
          HttpStatus.BAD_REQUEST,
          'A SubscriptionValidation request must hold only a Microsoft.EventGrid.SubscriptionValidationEvent with a validationCode.',
        );
      }
      this.logger.log('Answered the Event Grid subscription validation handshake');
      return { validationResponse: validationCode };
    }
    const { events } = this.translate(() =>
      selectIncomingCallEvents(readEventGridDelivery(parsed)),
    );
    this.assertOpen();
    if (this.processor.isDraining) {
      throw webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'This replica is shutting down and takes no new calls; deliver again (to another replica).',
      );
    }
    return this.dispatch(() => this.processor.processEvents(events));
  }

  /**
   * `OPTIONS /{incomingCallPath}`: the CloudEvents schema handshake. The headers to answer
   * with: consent for the asking origin. Only the query-string secret is checked (Event Grid
   * sends it to the exact endpoint URL; no token is documented for this request, and the answer
   * grants nothing but the right to try deliveries, which are checked in full).
   */
  async handleEventGridOptions(request: WebhookRequest): Promise<Record<string, string>> {
    await this.authenticate(this.incomingCallGuard, request, 'an Event Grid handshake', true);
    const headers: Record<string, string> = { Allow: 'POST, OPTIONS' };
    const origin = headerOf(request, 'webhook-request-origin');
    if (origin === undefined) return headers;
    if (!ORIGIN.test(origin)) {
      throw webhookError(
        HttpStatus.BAD_REQUEST,
        'WebHook-Request-Origin must be a host name such as eventgrid.azure.net.',
      );
    }
    return { ...headers, 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' };
  }

  private assertOpen(): void {
    if (this.closed) {
      throw webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'The application is shutting down; deliver again later.',
      );
    }
  }

  /**
   * The refusal of a media WebSocket handshake (`mediaStreaming` with `auth`): its bearer
   * token is checked by the callbacks' verifier, with their key cache; 401 when missing or
   * invalid, 503 when the keys cannot be had now. Undefined when it may go on (or without `auth`).
   */
  async refusalOfMediaHandshake(request: WebhookRequest): Promise<HttpException | undefined> {
    if (!this.callbackGuard.checksToken) return undefined;
    const target = requestTarget(request);
    try {
      await this.callbackGuard.verifyToken(headerOf(request, 'authorization'));
      return undefined;
    } catch (error) {
      const answer = this.authenticationError(error, 'a media stream handshake', target);
      if (answer instanceof HttpException) return answer;
      throw answer;
    }
  }

  private async authenticate(
    guard: RequestGuard,
    request: WebhookRequest,
    what: string,
    secretOnly = false,
  ): Promise<void> {
    if (!guard.isActive) return;
    const target = requestTarget(request);
    try {
      await guard.verify(
        { url: target, authorization: headerOf(request, 'authorization') },
        secretOnly,
      );
    } catch (error) {
      throw this.authenticationError(error, what, target);
    }
  }

  /** What a failed check answers: 401 for refused credentials, 503 when keys are unavailable. */
  private authenticationError(error: unknown, what: string, target: string | undefined): unknown {
    if (error instanceof CredentialsRejectedError) return this.refused(error, what, target);
    if (error instanceof SigningKeyRefetchThrottledError) {
      this.refusals.report(`Could not check ${what} to ${pathOf(target)} yet: ${error.message}`);
      return webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Not checked yet: ${error.message} (the signing keys may have been rotated); deliver again later.`,
      );
    }
    if (error instanceof SigningKeysUnavailableError) {
      this.refusals.report(`Could not check ${what} to ${pathOf(target)}: ${error.message}`);
      return webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'The signing keys to check the token could not be fetched; deliver again later.',
      );
    }
    return error;
  }

  private refused(
    error: CredentialsRejectedError,
    what: string,
    target: string | undefined,
  ): HttpException {
    this.refusals.report(`Refused ${what} to ${pathOf(target)}: ${error.message}`);
    return webhookError(HttpStatus.UNAUTHORIZED, `Refused: ${error.message}.`);
  }

  private async dispatch(process: () => Promise<ProcessSummary>): Promise<ProcessSummary> {
    try {
      return await process();
    } catch (error) {
      throw this.toHttpError(error);
    }
  }

  private translate<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.toHttpError(error);
    }
  }

  private toHttpError(error: unknown): unknown {
    if (error instanceof CallAutomationEventError) {
      return webhookError(HttpStatus.BAD_REQUEST, error.message);
    }
    if (error instanceof ReplicasNotConfirmedError) {
      this.logger.warn(
        `Answered 503 so the events are delivered again (that delivery is a duplicate, answered 200): ${error.message} Their handlers run all the same.`,
      );
      return webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `The events were written to the Redis primary but not confirmed by ${error.wanted} Redis replica(s) within ${error.waitedMs} ms (redis.waitForReplicas); their handlers run all the same. Deliver them again: the redelivery is recognised as a duplicate.`,
      );
    }
    if (error instanceof EventBusUnavailableError) {
      this.logger.error(
        `Could not hand events over, answered 503 so they are delivered again: ${error.message}`,
      );
      // The cause (host, port) goes to the log, not to whoever posted.
      return webhookError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'The events could not be handed over to the shared event bus; nothing was accepted. Deliver them again later.',
      );
    }
    return error;
  }
}
