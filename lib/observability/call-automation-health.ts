import { Inject, Injectable } from '@nestjs/common';
import { CALL_AUTOMATION_OPTIONS, CALL_EVENT_BUS } from '../constants';
import type { ResolvedCallAutomationOptions } from '../options/call-automation-options.interface';
import { EventProcessorService } from '../processor/event-processor.service';
import type { CallEventBus } from '../transport/call-event-bus.interface';
import { RedisEventBus } from '../transport/redis-event-bus';
import { WebhookReceiver } from '../webhook/webhook.receiver';

/** One part of the report. */
export interface HealthPart {
  status: 'up' | 'down';
  message?: string;
}

/** What `CallAutomationHealth.check` finds; `healthy` is false when a part is down. */
export interface CallAutomationHealthReport {
  healthy: boolean;
  /** Present with the `redis` option: the bus's connections are ready and Redis answers. */
  redis?: HealthPart;
  /**
   * Present with the `auth` option: down only when no keys were ever fetched and the last
   * fetch failed (keys fetched once stay in use through a failed refetch).
   */
  signingKeys?: HealthPart & { fetched: boolean; fetchedAt?: string };
  /**
   * The backlog's fill (0..1, the larger of events/maxBacklogEvents and
   * characters/maxBacklogBytes). Never down: a full backlog drops its oldest unclaimed events,
   * which a restart would not fix.
   */
  backlog: HealthPart & { events: number; characters: number; fill: number };
}

export interface HealthCheckOptions {
  /** How long Redis may take to answer a PING. @default 1000 */
  redisTimeoutMs?: number;
}

/**
 * The health of this replica's Call Automation module, for a readiness check (see
 * `CallAutomationHealthIndicator` of `nestjs-call-automation/terminus`).
 */
@Injectable()
export class CallAutomationHealth {
  constructor(
    @Inject(CALL_AUTOMATION_OPTIONS) private readonly options: ResolvedCallAutomationOptions,
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    private readonly processor: EventProcessorService,
    private readonly receiver: WebhookReceiver,
  ) {}

  async check(options: HealthCheckOptions = {}): Promise<CallAutomationHealthReport> {
    const [redis, signingKeys] = await Promise.all([
      this.checkRedis(options.redisTimeoutMs ?? 1_000),
      this.checkSigningKeys(),
    ]);
    const backlog = this.checkBacklog();
    return {
      healthy: redis?.status !== 'down' && signingKeys?.status !== 'down',
      ...(redis !== undefined ? { redis } : {}),
      ...(signingKeys !== undefined ? { signingKeys } : {}),
      backlog,
    };
  }

  private async checkRedis(timeoutMs: number): Promise<HealthPart | undefined> {
    if (!(this.bus instanceof RedisEventBus)) return undefined;
    const problem = await this.bus.problem(timeoutMs);
    return problem === undefined
      ? { status: 'up' }
      : { status: 'down', message: `Redis (option redis) is not usable: ${problem}` };
  }

  private async checkSigningKeys(): Promise<CallAutomationHealthReport['signingKeys']> {
    const keys = this.receiver.callbackSigningKeys;
    if (keys === undefined) return undefined;
    await keys.fetchIfNone(); // ready means able to check the first callback's token
    const { fetched, fetchedAt, lastFailure } = keys.status;
    const down = !fetched && lastFailure !== undefined;
    return {
      status: down ? 'down' : 'up',
      fetched,
      ...(fetchedAt !== undefined ? { fetchedAt } : {}),
      ...(lastFailure !== undefined
        ? {
            message: `${lastFailure}${down ? '; callbacks are answered 503 until they can be fetched (option auth)' : '; the keys fetched before stay in use'}`,
          }
        : {}),
    };
  }

  private checkBacklog(): CallAutomationHealthReport['backlog'] {
    const snapshot = this.processor.snapshot();
    const byEvents = snapshot.backlogEvents / Math.max(1, this.options.maxBacklogEvents);
    const byCharacters = snapshot.backlogCharacters / Math.max(1, this.options.maxBacklogBytes);
    return {
      status: 'up',
      events: snapshot.backlogEvents,
      characters: snapshot.backlogCharacters,
      fill: Math.round(Math.max(byEvents, byCharacters) * 1000) / 1000,
    };
  }
}
