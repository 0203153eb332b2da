import { Controller, HttpCode, Post, Req, type Type } from '@nestjs/common';
import type { ProcessSummary } from '../processor/event-processor.service';
import { WebhookReceiver } from './webhook.receiver';
import type { WebhookRequest } from './webhook-request';

/**
 * The controller ACS posts mid-call callbacks to. A class per module registration, so that
 * each registration has its own route (`webhookPath`).
 */
export function createCallbackController(path: string): Type<unknown> {
  @Controller(path)
  class CallAutomationCallbackController {
    constructor(private readonly webhook: WebhookReceiver) {}

    /** 200 once the batch is accepted; handlers run after the answer. */
    @Post()
    @HttpCode(200)
    receive(@Req() request: WebhookRequest): Promise<ProcessSummary> {
      return this.webhook.handleCallback(request);
    }
  }
  return CallAutomationCallbackController;
}
