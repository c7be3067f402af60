import type { AckError, ErrorCode } from "./errors";

/** Every acknowledgement has this one shape. */
export type Ack<T> = { data: T } | { error: AckError };
export type AckCallback<T> = (response: Ack<T>) => void;

export function ok<T>(data: T): Ack<T> {
  return { data };
}

export function fail(code: ErrorCode, message: string, extra?: Omit<AckError, "code" | "message">): { error: AckError } {
  return { error: { code, message, ...extra } };
}

export function isAckError<T>(ack: Ack<T>): ack is { error: AckError } {
  return "error" in ack;
}
