import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { ON_MEDIA_STREAM_METADATA } from '../constants';
import type { MediaStreamSession } from '../media/media-stream-session';
import { findDecoratedMethods } from './decorated-methods';

/** One `@OnMediaStream` method, ready to call. */
export interface DiscoveredMediaStreamHandler {
  /** `Class@method`, as logs name it. */
  readonly name: string;
  invoke(session: MediaStreamSession): unknown;
}

/**
 * Finds `@OnMediaStream` methods on every provider and controller at start-up, as
 * CallEventHandlersExplorer finds `@OnCallEvent`. A request-scoped class gets a fresh instance
 * per session (with `{ session }` as the request object).
 */
@Injectable()
export class MediaStreamHandlersExplorer implements OnModuleInit {
  private readonly logger = new Logger('CallAutomation');
  private found: DiscoveredMediaStreamHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  get handlers(): readonly DiscoveredMediaStreamHandler[] {
    return this.found;
  }

  onModuleInit(): void {
    const methods = findDecoratedMethods<unknown>(
      this.discovery,
      this.scanner,
      this.moduleRef,
      ON_MEDIA_STREAM_METADATA,
    );
    this.found = methods
      .filter((method) => Boolean(method.metadata))
      .map((method) => ({
        name: method.name,
        invoke: (session: MediaStreamSession) => method.invoke([session], { session }),
      }));
    if (this.found.length > 0) {
      this.logger.log(`Found ${this.found.length} @OnMediaStream handler(s)`);
    }
  }
}
