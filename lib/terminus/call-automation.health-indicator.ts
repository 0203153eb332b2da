import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import {
  CallAutomationHealth,
  type CallAutomationHealthReport,
  type HealthCheckOptions,
} from '../observability/call-automation-health';

/** The details a check reports under its key: the parts of `CallAutomationHealthReport`. */
export type CallAutomationHealthDetails = Omit<CallAutomationHealthReport, 'healthy'>;

/**
 * A `@nestjs/terminus` health indicator for this replica's Call Automation module: down when
 * Redis (with the `redis` option) is not usable, or when the ACS signing keys (with `auth`)
 * were never fetched and the last fetch failed; the backlog's fill is reported. Provide it in
 * a module that imports `TerminusModule` and `CallAutomationModule`:
 *
 * ```ts
 * @Controller('health')
 * class HealthController {
 *   constructor(
 *     private readonly health: HealthCheckService,
 *     private readonly callAutomation: CallAutomationHealthIndicator,
 *   ) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.callAutomation.isHealthy('callAutomation')]);
 *   }
 * }
 * ```
 */
@Injectable()
export class CallAutomationHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly health: CallAutomationHealth,
  ) {}

  async isHealthy<const Key extends string = 'callAutomation'>(
    key: Key = 'callAutomation' as Key,
    options: HealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const { healthy, ...details } = await this.health.check(options);
    return healthy ? indicator.up(details) : indicator.down(details);
  }
}
