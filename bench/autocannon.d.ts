/** The part of autocannon's API the load generator uses (the package ships no types). */
declare module 'autocannon' {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: { setupRequest?: (request: Request) => Request }[];
  }
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Instance {
    stop(): void;
  }
  interface Autocannon {
    (options: Options, callback: (error: Error | null, result: Result) => void): Instance;
    track(instance: Instance, options?: Record<string, boolean>): void;
  }
  const autocannon: Autocannon;
  export default autocannon;
}
