/**
 * `nestjs-call-automation/terminus`: the `@nestjs/terminus` health indicator. A separate entry,
 * so that the main one works without `@nestjs/terminus` installed (an optional peer).
 */
export type { HealthCheckOptions, HealthPart } from '../observability/call-automation-health';
export {
  type CallAutomationHealthDetails,
  CallAutomationHealthIndicator,
} from './call-automation.health-indicator';
