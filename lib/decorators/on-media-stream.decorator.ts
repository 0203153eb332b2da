import { ON_MEDIA_STREAM_METADATA } from '../constants';

/**
 * Runs the method with each new media stream session (`MediaStreamSession`) of this replica,
 * once its call is known: the same object `processor.waitForMediaStream` resolves with. Needs
 * the `mediaStreaming` module option. The method may be async and may read `session.audio()`
 * for as long as the stream lasts; what it throws is logged and closes nothing.
 */
export function OnMediaStream(): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(ON_MEDIA_STREAM_METADATA, true, descriptor.value as object);
    return descriptor;
  };
}
