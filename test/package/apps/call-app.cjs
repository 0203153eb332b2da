/**
 * The app that the ES-module and the CommonJS fixture both run, with what each loaded its own
 * way (import or require): decorators are applied as functions, so it needs no TypeScript.
 * Boots on Express, posts a CloudEvent to the webhook, awaits a timeout, and reports what it saw.
 */
module.exports = async function runCallApp(nest, api, callEvents) {
  const { common, core, express, coreOfThePackage } = nest;

  let reachHandler;
  const handled = new Promise((resolve) => {
    reachHandler = resolve;
  });
  class PlayHandlers {
    onPlayCompleted(event) {
      reachHandler(event);
    }
  }
  const method = Object.getOwnPropertyDescriptor(PlayHandlers.prototype, 'onPlayCompleted');
  api.OnCallEvent('PlayCompleted')(PlayHandlers.prototype, 'onPlayCompleted', method);
  common.Injectable()(PlayHandlers);

  class AppModule {}
  common.Module({ imports: [api.CallAutomationModule.forRoot({})], providers: [PlayHandlers] })(
    AppModule,
  );

  const app = await core.NestFactory.create(AppModule, new express.ExpressAdapter(), {
    logger: false,
    abortOnError: false, // throw what went wrong instead of exiting without a word
  });
  await app.listen(0, '127.0.0.1');
  try {
    const event = callEvents.playCompleted({
      callConnectionId: 'app-call',
      operationContext: 'greeting',
    });
    const response = await fetch(`${await app.getUrl()}/api/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([event]),
    });
    let giveUp;
    const notReached = new Promise((resolve) => {
      giveUp = setTimeout(resolve, 10_000, undefined);
    });
    const received = await Promise.race([handled, notReached]);
    clearTimeout(giveUp);

    const processor = app.get(api.EventProcessorService);
    const timeout = await processor
      .waitForEvent({ callConnectionId: 'app-call', kind: 'CallConnected' }, { timeoutMs: 50 })
      .then(
        () => undefined,
        (error) => error,
      );

    // The package resolves @nestjs/core on its own: it must be the very module the app loaded,
    // and the container the module's explorer walks must be the app's.
    const sameCore = coreOfThePackage.ModulesContainer === core.ModulesContainer;
    return {
      webhookStatus: response.status,
      handled: received && { kind: received.kind, callConnectionId: received.callConnectionId },
      timeout: {
        name: timeout?.name,
        isCallAutomationTimeoutError: timeout instanceof api.CallAutomationTimeoutError,
      },
      oneNestCore:
        sameCore && app.get(coreOfThePackage.ModulesContainer) === app.get(core.ModulesContainer),
    };
  } finally {
    await app.close();
  }
};
