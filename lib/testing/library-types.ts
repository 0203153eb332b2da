/**
 * The library types the emulator and the event factories use. They come from the package's
 * public entry only, so the testing entry depends on nothing a user could not import.
 */
export type { CloudEvent } from '../index';
