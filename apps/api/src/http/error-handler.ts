// Maps every error to MSR's error body, in one place. Body-parser failures become
// INVALID_JSON / REQUEST_TOO_LARGE / UNSUPPORTED_MEDIA_TYPE; anything unexpected is a
// logged INTERNAL_ERROR with the request id, never a stack trace to the client.
import type { NextFunction, Request, Response } from "express";
import { ApiError, errorBody } from "../errors.js";
import { requestLocals } from "./request-locals.js";

interface HttpErrorLike {
  type?: string;
  status?: number;
  expose?: boolean;
}

function fromBodyParser(err: HttpErrorLike): ApiError | null {
  switch (err.type) {
    case "entity.parse.failed":
      return new ApiError("INVALID_JSON", "the body is not valid JSON");
    case "entity.too.large":
      return new ApiError("REQUEST_TOO_LARGE", "the body is larger than the configured limit");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", "unsupported body encoding or charset");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new ApiError("INVALID_JSON", "the body could not be read");
    default:
      return null;
  }
}

// Some libraries put their own (minified) source into an error's message and stack: one line
// of a 500 once held 62 KB of it. The log keeps the start of the message and the call frames.
const MAX_MESSAGE_CHARS = 1000;
const MAX_FRAMES = 15;
const MAX_FRAME_CHARS = 300;

export function loggableError(e: Error): { error: string; stack: string } {
  const message = e.message.length > MAX_MESSAGE_CHARS ? `${e.message.slice(0, MAX_MESSAGE_CHARS)}... (${e.message.length} chars)` : e.message;
  const frames = (e.stack ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("at "))
    .slice(0, MAX_FRAMES)
    .map((line) => line.slice(0, MAX_FRAME_CHARS));
  return { error: message, stack: frames.join("\n") };
}

export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const locals = requestLocals(res);
  // The 503 of a timed-out request has gone out; what its handler does afterwards has nowhere to go.
  if (locals.timedOut && res.headersSent) return;
  let apiError: ApiError;
  if (err instanceof ApiError) {
    apiError = err;
  } else if (typeof err === "object" && err !== null && fromBodyParser(err as HttpErrorLike) !== null) {
    apiError = fromBodyParser(err as HttpErrorLike) as ApiError;
  } else if (typeof err === "object" && err !== null && (err as HttpErrorLike).status === 400) {
    // Express rejects malformed URLs (e.g. bad percent-encoding) with a 400.
    apiError = new ApiError("INVALID_PARAMETERS", "the request URL is malformed");
  } else {
    apiError = new ApiError("INTERNAL_ERROR", `internal error (request id ${locals.requestId})`);
    const e = err instanceof Error ? err : new Error(String(err));
    locals.log.error("unhandled error", { requestId: locals.requestId, ...loggableError(e) });
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
  res.status(apiError.status).json(errorBody(apiError));
}
