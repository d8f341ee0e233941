// Code that verifies a delivery's Standard Webhooks signature, in Node.js, Python and Go, with the
// webhook's own secret filled in (the console shows it next to the secret).
export type SnippetLanguage = "Node.js" | "Python" | "Go";

export function verificationSnippet(language: SnippetLanguage, secret: string): string {
  const s = JSON.stringify(secret);
  switch (language) {
    case "Node.js":
      return `// npm install standardwebhooks
import { Webhook } from "standardwebhooks";

const wh = new Webhook(${s});
// rawBody: the request body exactly as received (a string); headers: the request's headers.
const payload = wh.verify(rawBody, {
  "webhook-id": headers["webhook-id"],
  "webhook-timestamp": headers["webhook-timestamp"],
  "webhook-signature": headers["webhook-signature"],
}); // throws when the signature or timestamp is wrong`;
    case "Python":
      return `# pip install standardwebhooks
from standardwebhooks.webhooks import Webhook

wh = Webhook(${s})
# raw_body: the request body exactly as received (bytes or str); headers: the request's headers.
payload = wh.verify(raw_body, headers)  # raises WebhookVerificationError when wrong`;
    case "Go":
      return `// go get github.com/standard-webhooks/standard-webhooks/libraries/go
import standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

wh, err := standardwebhooks.NewWebhook(${s})
if err != nil { return err }
// body: the request body exactly as received; r.Header: the request's headers.
if err := wh.Verify(body, r.Header); err != nil {
\treturn err // wrong signature or timestamp
}`;
  }
}
