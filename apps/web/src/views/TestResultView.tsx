// What a test send did: the receiver's status (or why it failed) and the payload sent.
import type { ReactNode } from "react";
import type { TestResult } from "../api/types";
import { duration } from "../format";

export function TestResultView({ result }: { result: TestResult }): ReactNode {
  return (
    <section aria-label="Test result" className="test-result">
      <p role="status">
        {result.ok ? "Delivered" : "Not delivered"}: receiver status {result.statusCode ?? "none"} in {duration(result.durationMs)}
        {result.error ? ` (${result.error})` : ""}
      </p>
      <h3>Payload sent</h3>
      <pre tabIndex={0} aria-label="Payload sent">{JSON.stringify(result.payload, null, 2)}</pre>
      {result.responseBody && (
        <>
          <h3>Receiver's answer</h3>
          <pre tabIndex={0} aria-label="Receiver's answer">{result.responseBody}</pre>
        </>
      )}
    </section>
  );
}
