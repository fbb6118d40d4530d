/** One-at-a-time execution: the agent's requests, installs and profiles never overlap (segments own their buffers). */

/** Runs each piece of work after everything queued before it; a failure does not stop the queue. */
export type SerialQueue = <T>(work: () => Promise<T>) => Promise<T>;

/** A new, empty queue. */
export function createSerialQueue(): SerialQueue {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
}
