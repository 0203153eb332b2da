import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS } from '../constants';
import { CallAutomationEventError } from '../errors/call-automation-event.error';
import { EventBusUnavailableError } from '../errors/event-bus-unavailable.error';
import { parseJsonBody } from '../events/cloud-event';
import { findValidationCode, readEventGridDelivery } from '../events/event-grid';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService, type ProcessSummary } from '../processor/event-processor.service';
import { CallbackTokenError, CallbackTokenVerifier } from '../security/callback-token-verifier';
import { readWebhookBody, type WebhookRequest } from './webhook-body';
import { webhookError } from './webhook-errors';

/** The Event Grid subscription handshake's answer. */
export interface ValidationResponse {
  validationResponse: string;
}

/**
 * What the two webhook routes do, apart from routing: check the caller, read the body within
 * its limit, hand the events to the processor, and turn each failure into its status code.
 */
@Injectable()
export class WebhookRequestHandler {
  private readonly logger = new Logger('CallAutomation');
  private readonly tokens: CallbackTokenVerifier | undefined;

  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    private readonly processor: EventProcessorService,
  ) {
    this.tokens = options.auth ? new CallbackTokenVerifier(options.auth) : undefined;
  }

  /** `POST /{webhookPath}`: mid-call callbacks from ACS. */
  async handleCallback(request: WebhookRequest): Promise<ProcessSummary> {
    await this.verifyCallbackToken(request);
    const body = await readWebhookBody(request, this.options.maxBodyBytes);
    return this.dispatch(() => this.processor.processEvents(body));
  }

  /** `POST /{incomingCallPath}`: Event Grid deliveries, handshake included. */
  async handleEventGrid(request: WebhookRequest): Promise<ProcessSummary | ValidationResponse> {
    const body = await readWebhookBody(request, this.options.maxBodyBytes);
    const parsed = this.dispatchSync(() => parseJsonBody(body));
    const validationCode = findValidationCode(parsed);
    if (validationCode !== undefined) {
      this.logger.log('Answered the Event Grid subscription validation handshake');
      return { validationResponse: validationCode };
    }
    if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
      throw webhookError(
        HttpStatus.BAD_REQUEST,
        'A SubscriptionValidation request must carry a validationCode.',
      );
    }
    const cloudEvents = this.dispatchSync(() => readEventGridDelivery(parsed));
    return this.dispatch(() => this.processor.processEvents(cloudEvents));
  }

  private async verifyCallbackToken(request: WebhookRequest): Promise<void> {
    if (this.tokens === undefined) return;
    try {
      await this.tokens.verify(headerOf(request, 'authorization'));
    } catch (error) {
      if (!(error instanceof CallbackTokenError)) throw error;
      this.logger.warn(`Refused a callback: ${error.message}`);
      throw webhookError(HttpStatus.UNAUTHORIZED, `Callback refused: ${error.message}.`);
    }
  }

  private async dispatch(process: () => Promise<ProcessSummary>): Promise<ProcessSummary> {
    try {
      return await process();
    } catch (error) {
      throw this.toHttpError(error);
    }
  }

  private dispatchSync<T>(work: () => T): T {
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
    if (error instanceof EventBusUnavailableError) {
      this.logger.error(
        `Could not hand events over, answered 503 so they are delivered again: ${error.message}`,
      );
      return webhookError(HttpStatus.SERVICE_UNAVAILABLE, `${error.message} Retry later.`);
    }
    return error;
  }
}

function headerOf(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
