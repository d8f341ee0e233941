// The Microsoft Teams format: a message with one Adaptive Card attachment, the body Teams'
// incoming webhooks (Workflows) accept: a bold title, the sentence, and an Open URL action.
import { readableMessage, type EventFacts } from "./message.js";

export function teamsMessage(facts: EventFacts): object {
  const m = readableMessage(facts);
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: m.title, weight: "Bolder", size: "Medium", wrap: true },
            { type: "TextBlock", text: m.text, wrap: true },
          ],
          actions: [{ type: "Action.OpenUrl", title: "Open in MSR", url: m.link }],
        },
      },
    ],
  };
}
