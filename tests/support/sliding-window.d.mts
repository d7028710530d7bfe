export interface RateVerdict {
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
}
export interface RateWindow {
  limit: number;
  windowMs: number;
}
export declare class SlidingWindow {
  hit(now: number, limit: number, windowMs: number): RateVerdict;
}
export declare function rateWindow(requestsPerSecond: number): RateWindow;
