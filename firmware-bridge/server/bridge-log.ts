/** A line of the device's log (flash refused, installed, link closed, ...). */
export interface BridgeLogEvent {
  level: 'info' | 'warn';
  event: string;
  message: string;
  details?: Record<string, string | number>;
}
