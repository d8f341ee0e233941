// The Slack format: an incoming-webhook message (`text` as the notification fallback, one mrkdwn
// section and a button to MSR in `blocks`), as Slack's incoming-webhook and Block Kit docs give it.
import { readableMessage, type EventFacts } from "./message.js";

/** Slack's mrkdwn control characters (&, <, >) escaped as its docs ask. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackMessage(facts: EventFacts): object {
  const m = readableMessage(facts);
  return {
    text: slackEscape(m.text),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${slackEscape(m.title)}*\n${slackEscape(m.text)}` } },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open in MSR" }, url: m.link }],
      },
    ],
  };
}
